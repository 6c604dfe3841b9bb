"""SqlRepository: the Repository port over SQLAlchemy Core, for SQLite and PostgreSQL.

One class composed of a part per aggregate, so each module stays small.
"""

from __future__ import annotations

from modelyard.adapters.sql.approvals_repo import ApprovalRepositoryMixin
from modelyard.adapters.sql.audit_repo import AuditRepositoryMixin
from modelyard.adapters.sql.identity_repo import IdentityRepositoryMixin
from modelyard.adapters.sql.mlflow_repo import MlflowRepositoryMixin
from modelyard.adapters.sql.models_repo import ModelRepositoryMixin
from modelyard.adapters.sql.runs_repo import RunRepositoryMixin
from modelyard.adapters.sql.versions_repo import VersionRepositoryMixin
from modelyard.adapters.sql.webhooks_repo import WebhookRepositoryMixin


class SqlRepository(
    ModelRepositoryMixin,
    VersionRepositoryMixin,
    RunRepositoryMixin,
    AuditRepositoryMixin,
    MlflowRepositoryMixin,
    IdentityRepositoryMixin,
    ApprovalRepositoryMixin,
    WebhookRepositoryMixin,
):
    """The Repository port; see modelyard.service.ports."""
