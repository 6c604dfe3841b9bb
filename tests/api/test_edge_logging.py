"""Unexpected errors are logged once, by type, request id and stack, without user data.

A database error's message carries the statement's parameters (and PostgreSQL's DETAIL
carries key values), so a failing request must not put either into the log.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from modelyard.adapters.sql.uow import make_engine
from modelyard.api.app import create_app
from modelyard.bootstrap import Runtime, build
from modelyard.config import Settings

# a tag insert that fails with an error no layer maps (so: a 500, a bug to log)
FAIL_TAG_INSERTS = """
CREATE FUNCTION refuse_tag() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = 'data_exception'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_tag BEFORE INSERT ON model_tags FOR EACH ROW EXECUTE FUNCTION refuse_tag();
"""


@pytest.fixture
def failing(postgres_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A PostgreSQL store whose model tag inserts fail with an unmapped DataError."""
    registry = build(Settings(home=tmp_path / "store", db=postgres_url, uri=None, user=None))
    try:
        with registry.engine.begin() as conn:
            conn.execute(text(FAIL_TAG_INSERTS))
        yield registry
    finally:
        registry.close()


def test_failing_request_log_holds_no_parameter_values(
    failing: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    caplog.set_level(logging.INFO)

    # raise_server_exceptions: an error escaping the app would reach the server's own log
    with TestClient(create_app(registry=failing)) as http:
        response = http.post(
            "/api/v1/models",
            json={"name": "Fraud", "tags": {"k": secret}},
            headers={"X-Request-Id": "req42"},
        )

    assert response.status_code == 500
    assert "req42" in response.json()["error"]["message"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    logged = errors[0].getMessage()
    assert "req42" in logged and "DataError" in logged
    assert secret not in caplog.text


def test_engine_errors_do_not_carry_parameters(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    secret = f"secret-{uuid.uuid4().hex}"
    try:
        with pytest.raises(sa_exc.DBAPIError) as caught, engine.connect() as conn:
            conn.execute(text("SELECT :v FROM no_such_table"), {"v": secret})
    finally:
        engine.dispose()

    assert secret not in str(caught.value)
