"""Shared fixtures: a migrated store on SQLite (always) and PostgreSQL (when reachable)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from vger.store.db import make_engine, upgrade

POSTGRES_URL = os.environ.get(
    "VGER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "skip with the reason"
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(exc).__name__}"


_PG_REASON = postgres_available()


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[sa.Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'vger.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def postgresql_engine() -> Iterator[sa.Engine]:
    if _PG_REASON:
        if os.environ.get("CI"):  # CI's machine runs PostgreSQL: its absence is a failure
            pytest.fail(_PG_REASON)
        pytest.skip(_PG_REASON)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request) -> sa.Engine:
    """A freshly migrated store, once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")
