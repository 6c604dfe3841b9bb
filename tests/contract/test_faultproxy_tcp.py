"""The TCP fault proxy in front of PostgreSQL: it relays the wire protocol, and its faults
reach the driver as the failures they imitate (for later PostgreSQL fault tests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tests.conftest import PG_BASE
from tests.faultproxy import TcpFaultProxy

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def proxy(postgres_available: None) -> Iterator[TcpFaultProxy]:
    url = make_url(PG_BASE)
    with TcpFaultProxy((url.host or "127.0.0.1", url.port or 5432), stall_limit=10) as tp:
        yield tp


@pytest.fixture
def engine(proxy: TcpFaultProxy) -> Iterator[Engine]:
    host, port = proxy.address
    url = make_url(PG_BASE).set(host=host, port=port)
    eng = create_engine(url, connect_args={"connect_timeout": 2})
    try:
        yield eng
    finally:
        proxy.heal()
        eng.dispose()


def _one(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT 1")).scalar_one())


def test_tcp_proxy_relays_queries(engine: Engine) -> None:
    assert _one(engine) == 1


def test_tcp_proxy_reset_all_breaks_a_live_connection(engine: Engine, proxy: TcpFaultProxy) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        proxy.reset_all()
        with pytest.raises(OperationalError):
            conn.execute(text("SELECT 2"))


def test_tcp_proxy_refuse_fails_new_connections_until_healed(
    engine: Engine, proxy: TcpFaultProxy
) -> None:
    proxy.refuse()
    with pytest.raises(OperationalError):
        _one(engine)
    proxy.heal()

    assert _one(engine) == 1


def test_tcp_proxy_stall_past_the_timeout_fails_the_connect(
    engine: Engine, proxy: TcpFaultProxy
) -> None:
    proxy.stall()

    with pytest.raises(OperationalError):
        _one(engine)
