"""Settings from the environment (``MODELYARD_*``) or flags; built only by entrypoints."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import PositiveInt, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path("modelyard")
DEFAULT_MAX_BLOB_BYTES = 64 * 1024**3


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MODELYARD_", extra="ignore")

    uri: str | None = None  # client: http://host:port, else the embedded store
    home: Path = DEFAULT_HOME  # the embedded store's folder
    db: str | None = None  # sqlite:///… or postgresql+psycopg://…
    artifacts: str | None = None  # file:///… or s3://bucket/prefix
    s3_endpoint_url: str | None = None  # for S3-compatible stores other than AWS
    cache_dir: Path | None = None
    user: str | None = None
    max_blob_bytes: PositiveInt = DEFAULT_MAX_BLOB_BYTES  # server: larger uploads are refused (413)
    # SQLite: FULL survives power loss; NORMAL commits faster but may lose the last commits
    sqlite_synchronous: str = "FULL"
    migrate: bool = True  # bring the schema to head on open; off: refuse one that is not
    # server: authentication (``--auth``; on whenever it binds beyond loopback)
    auth: bool = False
    admin_token: SecretStr | None = None  # MODELYARD_ADMIN_TOKEN: bootstraps user ``admin``
    trusted_proxy_header: str | None = None  # e.g. X-Forwarded-User, set by an SSO proxy
    trusted_proxies: str = ""  # CIDR[,CIDR]: the only peers whose proxy header is honoured
    # client: the API token sent as ``Authorization: Bearer`` (never in a URL, never logged)
    token: SecretStr | None = None
    # webhooks: the key sealing subscription secrets (comma-separated: the first seals, all
    # open, for rotating it); hosts deliveries may reach although they resolve inward; plain
    # http; how long a failing delivery is retried before it is dead-lettered
    secret_key: SecretStr | None = None
    webhook_allow_hosts: str = ""
    webhook_allow_http: bool = False
    webhook_retry_window_seconds: PositiveInt = 24 * 3600
    webhook_dispatch: bool = True  # a dispatcher in every server process

    def db_url(self) -> str:
        return self.db or f"sqlite:///{(self.home / 'registry.db').resolve()}"

    def artifacts_root(self) -> Path:
        if self.artifacts is None:
            return (self.home / "artifacts").resolve()
        if self.artifacts.startswith("file://"):
            return Path(self.artifacts.removeprefix("file://")).resolve()
        return Path(self.artifacts).resolve()

    def cache_root(self, remote: bool = False) -> Path:
        """Where verified downloads are kept: beside the embedded store, or the user cache."""
        if self.cache_dir is not None:
            return self.cache_dir.resolve()
        if remote:
            xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
            return (Path(xdg) / "modelyard").resolve()
        return (self.home / "cache").resolve()
