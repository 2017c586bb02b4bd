"""Column-wise bulk writes for the load path: one statement per table and page.

Rows arrive as columns (equal-length sequences or numpy arrays), never as one dict per
row. Timestamps may be ``datetime64[ns]`` arrays (naive UTC, NaT for none), converted
for the driver in one vectorised pass, or UTC-aware datetimes. SQLite gets one
``executemany`` of a statement compiled once per process; PostgreSQL gets ``COPY``
(psycopg 3) for plain inserts and one multi-row ``INSERT ... ON CONFLICT`` for upserts. Both run inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from sqlalchemy import Connection, DateTime, Table
from sqlalchemy.dialects import postgresql, sqlite

_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
#: SQLAlchemy's compiler costs ~0.5 ms a statement: each (dialect, table, columns,
#: conflict keys) is compiled once.
_COMPILED: dict[tuple, tuple[str, list[str]]] = {}
_FORMAT_DIALECTS: dict[str, Any] = {}
_MULTI: dict[tuple[str, int], str] = {}
PG_PARAMETERS = 32_000  # bound parameters per PostgreSQL statement (its limit: 65,535)


def insert_columns(
    conn: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any] | np.ndarray],
    *,
    keys: Sequence[str] | None = None,
) -> int:
    """Insert the rows given column-wise; with ``keys``, rows whose keys exist are
    updated (every other given column). Returns the row count."""
    names = list(columns)
    n = len(columns[names[0]]) if names else 0
    if not n:
        return 0
    columns = {**columns}
    defaulted, stamps = _table_facts(table)
    for name in defaulted:  # Python-side defaults, as SQLAlchemy would fill them
        if name not in columns:
            columns[name] = _default(table, name, n)
    names = list(columns)
    dialect = conn.dialect.name
    if dialect not in _INSERT:
        raise ValueError(f"unsupported database dialect {dialect!r}; use sqlite or postgresql")
    values = [
        _driver_times(columns[c], dialect) if c in stamps else _plain(columns[c]) for c in names
    ]
    if dialect == "postgresql" and not keys:
        _copy(conn, table, names, values)
        return n
    sql, order = _statement(conn, table, names, tuple(keys or ()))
    index = {c: k for k, c in enumerate(names)}
    rows = list(zip(*[values[index[c]] for c in order], strict=True))
    if dialect == "postgresql":  # one multi-row statement: the server plans it once
        cursor = psycopg.RawCursor(conn.connection.dbapi_connection)  # $n: psycopg parses none
        try:
            step = max(1, PG_PARAMETERS // len(order))
            for k in range(0, n, step):
                part = rows[k : k + step]
                cursor.execute(_rows_sql(sql, len(part)), list(chain(*part)))
        finally:
            cursor.close()
    else:  # SQLite's executemany steps one prepared statement through the rows in C
        conn.exec_driver_sql(sql, rows)
    return n


def _rows_sql(sql: str, count: int) -> str:
    """The single-row INSERT ``sql`` (``%s`` parameters) repeated over ``count`` rows,
    with PostgreSQL's own numbered parameters (``$1``, ``$2``, ...)."""
    key = (sql, count)
    if key not in _MULTI:
        start = sql.index(" VALUES (") + len(" VALUES ")
        depth, end = 0, start
        while True:  # the row's balanced parentheses (types may hold some)
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth == 0:
                break
            end += 1
        group = sql[start : end + 1]
        text = sql[:start] + ", ".join([group] * count) + sql[end + 1 :]
        parts = text.split("%s")
        numbered = [f"{p}${k}" for k, p in enumerate(parts[:-1], 1)]
        _MULTI[key] = "".join(numbered) + parts[-1]
    return _MULTI[key]


def sqlite_texts(values: np.ndarray, suffix: str = "") -> list[str | None]:
    """``datetime64`` (naive UTC; NaT = none) as SQLite's stored text, exactly as
    SQLAlchemy writes a DateTime: ``YYYY-MM-DD HH:MM:SS.ffffff`` (then ``suffix``)."""
    us = np.asarray(values, dtype="datetime64[ns]").astype("datetime64[us]")
    text = np.datetime_as_string(us, unit="us")
    if not len(text):
        return []
    chars = text.view("U1").reshape(len(text), -1)  # one row of characters per value
    if chars.shape[1] > 10 and bool(np.all((chars[:, 10] == "T") | np.isnat(us))):
        chars[:, 10] = " "  # the 'T' overwritten in place (NaT rows: None below)
    else:  # years beyond 9999 or before 1
        text = np.strings.replace(text, "T", " ", 1)
    if suffix:
        text = np.strings.add(text, suffix)
    out = text.astype(object)
    out[np.isnat(us)] = None
    return out.tolist()


def utc_ns(values: Sequence[datetime | None]) -> np.ndarray:
    """UTC-aware datetimes (None allowed) as naive UTC ``datetime64[ns]``; a naive one
    is refused, as the store keeps UTC-aware timestamps only."""
    try:  # one zone for all (the ETL's UTC): pandas reads them in C
        index = pd.DatetimeIndex(values)
    except (TypeError, ValueError):
        index = None
    if index is None or index.tz is None:
        for v in values:
            if v is not None and v.utcoffset() is None:
                raise ValueError(f"naive datetime {v!r}: store UTC-aware timestamps only")
        index = pd.DatetimeIndex(pd.to_datetime(list(values), utc=True))
    return index.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[ns]")


_FACTS: dict[Table, tuple[tuple[str, ...], frozenset[str]]] = {}


def _table_facts(table: Table) -> tuple[tuple[str, ...], frozenset[str]]:
    """(columns with a Python-side default, timestamp columns) of ``table``, looked up
    once per table (walking its columns cost ~0.1 ms a write, several writes a page)."""
    facts = _FACTS.get(table)
    if facts is None:
        defaulted = tuple(c.name for c in table.columns if c.default is not None)
        facts = _FACTS[table] = (defaulted, frozenset(_datetime_columns(table)))
    return facts


def _datetime_columns(table: Table) -> set[str]:
    return {
        c.name
        for c in table.columns
        if isinstance(c.type, DateTime) or isinstance(getattr(c.type, "impl", None), DateTime)
    }


def _driver_times(values, dialect: str) -> list:
    """Timestamps as the driver takes them: SQLite text, PostgreSQL ISO text with +00."""
    if not (isinstance(values, np.ndarray) and values.dtype.kind == "M"):
        values = utc_ns(values)
    return sqlite_texts(values, "" if dialect == "sqlite" else "+00")


def _plain(values) -> list:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def _default(table: Table, name: str, n: int) -> list:
    """A column SQLAlchemy fills from its Python-side default (the same for each row)."""
    default = table.c[name].default
    fill = None if default is None else (default.arg(None) if default.is_callable else default.arg)
    return [fill] * n


def _statement(
    conn: Connection, table: Table, names: list[str], keys: tuple[str, ...]
) -> tuple[str, list[str]]:
    """(SQL with positional parameters, the column of each parameter), compiled once."""
    dialect = conn.dialect
    cache_key = (dialect.name, table.name, tuple(names), keys)
    if cache_key in _COMPILED:
        return _COMPILED[cache_key]
    stmt = _INSERT[dialect.name](table)
    if keys:
        update = [c.name for c in table.columns if c.name not in keys and c.name in names]
        stmt = (
            stmt.on_conflict_do_update(
                index_elements=keys, set_={c: stmt.excluded[c] for c in update}
            )
            if update
            else stmt.on_conflict_do_nothing(index_elements=keys)
        )
    if dialect.name == "postgresql":  # %s placeholders: rows go as tuples, not dicts
        if "pg" not in _FORMAT_DIALECTS:
            _FORMAT_DIALECTS["pg"] = type(dialect)(paramstyle="format")
        dialect = _FORMAT_DIALECTS["pg"]
    compiled = stmt.compile(dialect=dialect, column_keys=names)
    out = (str(compiled), list(compiled.positiontup or ()))
    _COMPILED[cache_key] = out
    return out


def _copy(conn: Connection, table: Table, names: list[str], values: list[list]) -> None:
    """PostgreSQL ``COPY ... FROM STDIN`` through psycopg 3, in the open transaction: the
    rows as one block of COPY text built column by column (:func:`copy_text`), or row by
    row through psycopg when a column holds a type that function does not write."""
    cursor = conn.connection.dbapi_connection.cursor()
    quoted = ", ".join(f'"{c}"' for c in names)
    data = copy_text(values)
    try:
        with cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
            if data is not None:
                copy.write(data)
            else:
                for row in zip(*values, strict=True):
                    copy.write_row(row)
    finally:
        cursor.close()


_NULL = "\\N"
_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_FLOAT_WORDS = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def copy_text(columns: Sequence[Sequence[Any]]) -> str | None:
    """Equal-length columns as PostgreSQL's COPY text (tab between values, a newline
    after each row, ``\\N`` for None, backslash escapes), with the values psycopg's own
    text dumpers would send; None when a column holds a type other than str, int, bool,
    float, bytes or None (the caller then writes rows through psycopg)."""
    texts = []
    for column in columns:
        text = _column_text(column)
        if text is None:
            return None
        texts.append(text)
    if not texts or not len(texts[0]):
        return ""
    return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"


def _column_text(column: Sequence[Any]) -> Sequence[str] | None:
    """One column's values as COPY text, or None for a type :func:`copy_text` leaves
    to psycopg (numpy scalars, dates, JSON, ...)."""
    kinds = set(map(type, column))
    nulls = type(None) in kinds
    kinds.discard(type(None))
    if kinds <= {str}:
        joined = "".join(filter(None, column))
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            column = [v if v is None else v.translate(_SPECIAL) for v in column]
        values = column
    elif kinds == {int}:  # few distinct values (board ids, positions, seq): each written once
        text = {v: _NULL if v is None else str(v) for v in set(column)}
        return list(map(text.__getitem__, column))
    elif kinds == {bool}:
        return [_NULL if v is None else "t" if v else "f" for v in column]
    elif kinds <= {float, int}:  # str: as psycopg's float dumper (repr), its words for nan/inf
        values = [None if v is None else _FLOAT_WORDS.get(t := str(v), t) for v in column]
    elif kinds == {bytes}:  # bytea's hex form, its backslash escaped for COPY
        values = [None if v is None else "\\\\x" + v.hex() for v in column]
    else:
        return None
    if nulls:
        values = [_NULL if v is None else v for v in values]
    return values
