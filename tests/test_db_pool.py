"""The engines' pool: a connection is pinged only after it sat idle, and a lost one is replaced."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

import geo.db
from geo.db import make_engine
from geo.settings import Settings


@pytest.fixture
def pool_engine(settings: Settings) -> Iterator[Engine]:
    """An engine of its own on the test database, with a pool of its own."""
    engine = make_engine(settings.database_url or "")
    yield engine
    engine.dispose()


def _pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record every ping ``engine``'s pool sends."""
    calls: list[object] = []
    real = engine.dialect.do_ping

    def counted(dbapi_connection: object) -> bool:
        calls.append(dbapi_connection)
        return real(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return calls


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(admin: Engine, pid: int) -> None:
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:p, 5000)"), {"p": pid})


def test_a_connection_back_within_the_second_is_not_pinged(
    pool_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings = _pings(pool_engine, monkeypatch)
    first = _backend_pid(pool_engine)
    for _ in range(5):
        assert _backend_pid(pool_engine) == first  # the same pooled connection every time
    assert pings == []
    monkeypatch.setattr(geo.db, "PING_AFTER_IDLE_S", 0.0)  # now every checkout has been idle
    assert _backend_pid(pool_engine) == first
    assert len(pings) == 1


def test_an_idle_connection_that_was_lost_is_replaced_before_use(
    pool_engine: Engine, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = _backend_pid(pool_engine)
    _terminate(engine, lost)  # as a database restart does
    monkeypatch.setattr(geo.db, "PING_AFTER_IDLE_S", 0.0)
    assert _backend_pid(pool_engine) != lost  # pinged, found gone, replaced: no error


def test_a_connection_lost_within_the_second_fails_once_then_the_pool_is_renewed(
    pool_engine: Engine, engine: Engine
) -> None:
    with pool_engine.connect() as a, pool_engine.connect() as b:  # two pooled connections
        pids = {
            int(a.execute(text("SELECT pg_backend_pid()")).scalar_one()),
            int(b.execute(text("SELECT pg_backend_pid()")).scalar_one()),
        }
    for pid in pids:
        _terminate(engine, pid)
    with pytest.raises(OperationalError):  # used again at once: not pinged, the request fails
        _backend_pid(pool_engine)
    # SQLAlchemy saw the disconnect and renewed the whole pool: the other lost one is not reused
    assert _backend_pid(pool_engine) not in pids
    assert _backend_pid(pool_engine) not in pids
