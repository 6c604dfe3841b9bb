"""Shared test infrastructure: a migrated SQLite template, PostgreSQL schemas, and a real
S3 API server on loopback. ``--basetemp`` goes to /dev/shm when it exists (see
``pytest_configure``), so the blob stores' fsyncs cost next to nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from modelyard.adapters.sql.migrate import upgrade
from modelyard.adapters.sql.uow import make_engine

PG_BASE = os.environ.get("MODELYARD_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.hookimpl(tryfirst=True)  # before pytest's tmp_path plugin reads the option
def pytest_configure(config: pytest.Config) -> None:
    """Temporary folders on tmpfs when there is one and the run did not choose its own."""
    shm = Path("/dev/shm")
    if config.option.basetemp is None and shm.is_dir() and os.access(shm, os.W_OK):
        # one folder per run (pytest empties basetemp itself), under our own parent
        root = shm / f"modelyard-pytest-{os.getuid()}"
        root.mkdir(mode=0o700, exist_ok=True)
        config.option.basetemp = tempfile.mkdtemp(prefix="run-", dir=root)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Free the tmpfs after a green run; a failed run's folders stay for a look."""
    base = str(session.config.option.basetemp or "")
    if exitstatus == 0 and base.startswith("/dev/shm/modelyard-pytest-"):
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database migrated to head once per session. Copy it where a test needs a
    fresh store (:func:`fresh_store`); opening the copy then finds the schema current."""
    path = tmp_path_factory.mktemp("template") / "registry.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()  # the last connection checkpoints the WAL into the file
    assert not path.with_name("registry.db-wal").exists()
    return path


def fresh_store(template: Path, home: Path) -> Path:
    """Make ``home`` an embedded store holding an empty, migrated database; returns ``home``."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, home / "registry.db")
    return home


def _pg_reachable() -> str | None:
    engine = create_engine(PG_BASE, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        return f"PostgreSQL at {PG_BASE} unreachable: {type(exc.orig).__name__}"
    finally:
        engine.dispose()
    return None


@pytest.fixture(scope="session")
def postgres_available() -> None:
    problem = _pg_reachable()
    if problem is None:
        return
    if os.environ.get("MODELYARD_REQUIRE_POSTGRES") == "1" or os.environ.get("CI"):
        pytest.fail(problem)
    pytest.skip(problem)


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_BASE)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in PG_BASE else "?"
        yield f"{PG_BASE}{sep}options={quote(f'-csearch_path={schema}')}"
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_available: None) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    with postgres_schema() as url:
        yield url


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 API server (moto's standalone server) on 127.0.0.1."""
    from moto.server import ThreadedMotoServer

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "modelyard-test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "modelyard-test")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A fresh bucket; returns its s3:// URI with a prefix."""
    import boto3

    name = f"modelyard-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=name)
    return f"s3://{name}/registry"
