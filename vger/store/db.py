"""Engines, transactions, upserts and schema migrations."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, DateTime, Engine, Table, bindparam, create_engine, event, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from vger.errors import ConfigError

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).with_name("migrations")
_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def make_engine(url: str) -> Engine:
    """An engine for a SQLite or PostgreSQL URL (``postgresql://`` uses psycopg 3)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise ConfigError(
            f"unsupported database URL scheme in {url.split(':', 1)[0]!r}: use sqlite:/// or postgresql://"
        )
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def upsert(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], keys: Iterable[str]
) -> int:
    """Insert rows, updating every non-key column of rows whose keys already exist."""
    if not rows:
        return 0
    try:
        insert = _INSERT[conn.dialect.name]
    except KeyError:
        raise ConfigError(
            f"unsupported database dialect {conn.dialect.name!r}; use sqlite or postgresql"
        ) from None
    keys = list(keys)
    stmt = insert(table)
    columns = [c.name for c in table.columns if c.name not in keys and c.name in rows[0]]
    if columns:
        stmt = stmt.on_conflict_do_update(
            index_elements=keys, set_={c: stmt.excluded[c] for c in columns}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=keys)
    _execute_many(conn, stmt, table, rows)
    return len(rows)


def update_rows(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], keys: Iterable[str]
) -> int:
    """Update existing rows (matched on ``keys``) with the other values of each row."""
    if not rows:
        return 0
    keys = list(keys)
    columns = [c for c in rows[0] if c not in keys]
    stmt = (
        update(table)
        .where(*[table.c[k] == bindparam(f"key_{k}") for k in keys])
        .values({c: bindparam(f"value_{c}") for c in columns})
    )
    params = [
        {**{f"key_{k}": r[k] for k in keys}, **{f"value_{c}": r[c] for c in columns}} for r in rows
    ]
    conn.execute(stmt, params)
    return len(rows)


_DRIVER_SQL: dict[tuple[str, Any], tuple[Any, dict[str, Any]]] = {}


def driver_rows(conn: Connection, stmt: Any, params: Any) -> list[tuple]:
    """The rows of a small query run on the DBAPI cursor of ``conn``, in its transaction:
    ``stmt`` a Core statement with named bound parameters (``params`` a mapping; built
    once by the caller, compiled here once per dialect) or SQL in the driver's own
    paramstyle (``params`` as the driver takes them, as ``exec_driver_sql``). Bound
    values go through their types' processors, as SQLAlchemy sends them; no execution
    context, result object or result processing: values as the driver returns them
    (SQLite timestamps as text). The load path runs a few such
    queries per saved page, where SQLAlchemy's execute cost several times the query.
    Driver errors are raised as SQLAlchemy's :class:`~sqlalchemy.exc.DBAPIError`; the
    engine's ``before_cursor_execute`` / ``after_cursor_execute`` listeners are called as
    SQLAlchemy calls them (without an execution context)."""
    if isinstance(stmt, str):
        sql, args = stmt, params
    else:
        key = (conn.dialect.name, stmt)
        entry = _DRIVER_SQL.get(key)
        if entry is None:
            compiled = stmt.compile(dialect=conn.dialect)
            processors = {  # the bound values' types, as SQLAlchemy would apply them
                name: p
                for name, bind in compiled.binds.items()
                if (p := bind.type.bind_processor(conn.dialect)) is not None
            }
            entry = _DRIVER_SQL[key] = (compiled, processors)
        compiled, processors = entry
        values = compiled.construct_params(params)
        for name, process in processors.items():
            values[name] = process(values[name])
        sql = compiled.string
        args = [values[k] for k in compiled.positiontup] if compiled.positional else values
    error = conn.dialect.loaded_dbapi.Error
    cursor = conn.connection.dbapi_connection.cursor()
    # the engine's cursor events still see the statement (statement counts, logging)
    events = conn._has_events or conn.engine._has_events
    try:
        if events:
            for before in conn.dispatch.before_cursor_execute:
                sql, args = before(conn, cursor, sql, args, None, False)
        cursor.execute(sql, args)
        if events:
            for after in conn.dispatch.after_cursor_execute:
                after(conn, cursor, sql, args, None, False)
        return cursor.fetchall() if cursor.description else []
    except error as exc:
        raise DBAPIError.instance(sql, args, exc, error) from exc
    finally:
        cursor.close()


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert many rows through the driver's ``executemany``: the statement is compiled by
    SQLAlchemy (values stay bound parameters) but rows skip SQLAlchemy's per-value
    processing, which dominates loads of millions of transitions. Datetimes must be
    UTC-aware; every row must have the keys of the first."""
    if not rows:
        return 0
    _execute_many(conn, table.insert(), table, rows)
    return len(rows)


def _execute_many(conn: Connection, stmt, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run ``stmt`` (an INSERT into ``table``) for every row through the driver's
    ``executemany``. SQLAlchemy compiles the statement, and values stay bound parameters;
    only SQLAlchemy's per-value processing is skipped. Datetimes must be UTC-aware."""
    columns = list(rows[0])
    compiled = stmt.compile(dialect=conn.dialect, column_keys=columns)
    names = list(compiled.positiontup) if compiled.positional else columns
    datetimes = {
        c.name
        for c in table.columns
        if isinstance(c.type, DateTime) or isinstance(getattr(c.type, "impl", None), DateTime)
    }
    to_driver = _sqlite_time if conn.dialect.name == "sqlite" else _aware_time
    values = []
    for n in names:
        if n not in rows[0]:  # a column SQLAlchemy fills from its Python-side default
            default = table.c[n].default
            fill = (
                None
                if default is None
                else (default.arg(None) if default.is_callable else default.arg)
            )
            values.append([fill] * len(rows))
        elif n in datetimes:
            values.append([to_driver(r[n]) for r in rows])
        else:
            values.append([r[n] for r in rows])
    params: list = list(zip(*values, strict=True))
    if not compiled.positional:
        params = [dict(zip(names, p, strict=True)) for p in params]
    conn.exec_driver_sql(str(compiled), params)


def _aware_time(value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: store UTC-aware timestamps only")
    return value


def _sqlite_time(value: datetime | None) -> str | None:
    """UTC text exactly as SQLAlchemy's SQLite DateTime stores it."""
    if value is None:
        return None
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"naive datetime {value!r}: store UTC-aware timestamps only")
    if offset:
        value = value - offset
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


AGING_MARKS = "0010_issue_aging_marks"  # adds derived columns: stored boards re-derive


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or migrate the schema to ``revision`` (Alembic; batch mode on SQLite), then
    refresh the planner's statistics (:func:`analyze`). Every CLI command calls it, so
    what it does beyond Alembic costs nothing on a store that is up to date."""
    before = schema_revision(engine)
    command.upgrade(alembic_config(engine), revision)
    applied = _applied(engine, before)
    with engine.begin() as conn:
        if AGING_MARKS in applied:
            _rederive_boards(conn)
        _refresh_quality(conn)
        _count_flows(conn)
        analyze(conn)


def _applied(engine: Engine, before: str | None) -> set[str]:
    """The revisions the last upgrade applied, from ``before`` (None: an empty store)."""
    from alembic.script import ScriptDirectory

    after = schema_revision(engine)
    if after is None or after == before:
        return set()
    script = ScriptDirectory.from_config(alembic_config(engine))
    steps = script.iterate_revisions(after, before or "base")
    return {step.revision for step in steps} - {before}


def _rederive_boards(conn: Connection) -> None:
    """Re-derive every board, once, after a revision that adds derived columns (0010's
    aging marks): the aging view reads marks, never histories."""
    from vger.store.boards import list_boards
    from vger.store.issues import rederive_board

    for board in list_boards(conn):
        rederive_board(conn, board)


def _count_flows(conn: Connection) -> None:
    """Count the cumulative flow's days of every board not counted yet (each board right
    after revision 0013): the flow then reads counts, not moves (vger.store.flow_days)."""
    from sqlalchemy import inspect

    from vger.store import flow_days
    from vger.store.boards import list_boards

    if not inspect(conn).has_table("flow_day_board"):  # an older revision asked for
        return
    uncounted = set(flow_days.uncounted_boards(conn))
    for board in list_boards(conn):
        if board.id in uncounted:
            flow_days.rebuild(conn, board)


def _refresh_quality(conn: Connection) -> None:
    """Compute the data-quality hits of every issue still pending (revision 0008 lists
    every issue stored before it), so the quality report reads stored hits."""
    from sqlalchemy import inspect

    if not inspect(conn).has_table("quality_pending"):  # migrated to an older revision
        return
    from vger.store.quality_hits import pending_boards, refresh_pending

    for board_id in pending_boards(conn):
        refresh_pending(conn, board_id)


#: Rows SQLite samples per index when analysing; 0: every row. A sample cannot count
#: the rows of one board: 1,000 rows of a 100,000-issue board said ``board_id = ?``
#: selects 1,001, so whole-board aggregates went through ix_issue_board_created row by
#: row (0.25 CPU-s instead of 0.05 for a table scan). Full statistics of a 1,000,000-
#: transition store cost 0.23 CPU-s (0.9 s wall) per sync.
SQLITE_ANALYSIS_LIMIT = 0
#: The tables that grow with a board's history (PostgreSQL analyses only these).
BIG_TABLES = ("issue", "transition", "issue_state_time", "pull_request")


def analyze(conn: Connection) -> None:
    """Refresh the query planner's statistics. SQLite never gathers them on its own:
    without them a 100,000-issue board is read through ``ix_issue_board_done`` row by
    row (0.72 s instead of 0.30 s). Run after every sync and on upgrade; on PostgreSQL
    (where autovacuum also analyses) the big tables are analysed."""
    if conn.dialect.name == "sqlite":
        statements = [f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}", "ANALYZE"]
    elif conn.dialect.name == "postgresql":
        statements = ["ANALYZE " + ", ".join(BIG_TABLES)]
    else:
        return
    try:
        with conn.begin_nested():  # statistics never cost the caller its transaction
            for statement in statements:
                conn.exec_driver_sql(statement)
    except DBAPIError as exc:
        log.warning("could not refresh the planner's statistics: %s", str(exc.orig)[:200])


#: PostgreSQL: a table's statistics are refreshed within a run once it holds this many
#: pages more than twice what they say (see :func:`analyze_if_grown`).
GROWN_PAGES = 8


def analyze_if_grown(conn: Connection, table: str) -> bool:
    """PostgreSQL: ``ANALYZE table`` when it now holds more than twice the pages its
    statistics say (plus :data:`GROWN_PAGES`), in the caller's transaction; True if it did.

    During a board's first sync the foreign-key checks of every ``issue_quality`` row
    (``transition``, ``issue_state_time`` and ``issue_flag`` had theirs until revision
    0014) look their ``issue`` up with a plan each connection caches at its first page,
    when ``issue`` held one page of rows: a sequential scan, kept for the whole run, so
    each page's COPY got slower than the last (0.2 s, then 2 s a page by the 25th). An ANALYZE re-plans them; doubling the
    threshold makes it O(log rows) ANALYZEs in a first sync and none in an incremental
    one (a page never doubles a board's table), so statistics still follow each sync
    run (:func:`vger.store.sync.finish_run`), not each page. SQLite caches no such plan."""
    if conn.dialect.name != "postgresql":
        return False
    ((pages, known),) = driver_rows(
        conn,
        "SELECT pg_relation_size(c.oid) / current_setting('block_size')::int, c.relpages"
        " FROM pg_class c WHERE c.oid = %(t)s::regclass",
        {"t": table},
    )
    if pages <= 2 * max(known, 0) + GROWN_PAGES:
        return False
    conn.exec_driver_sql(f'ANALYZE "{table}"')
    return True


def schema_revision(engine: Engine) -> str | None:
    """The store's Alembic revision, or None when it has no schema yet."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str:
    """The newest revision the migrations know."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head() or ""


def ping(conn: Connection) -> None:
    """Raise unless the store answers a trivial query (health checks)."""
    conn.exec_driver_sql("SELECT 1")
