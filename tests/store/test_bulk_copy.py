"""PostgreSQL COPY text built column by column (vger.store.bulk.copy_text) stores what
psycopg's own row-by-row COPY stores, for awkward values of every type it writes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sqlalchemy as sa

from vger.store.bulk import copy_text, insert_columns

pytestmark = pytest.mark.postgres

COLUMNS = {
    "name": ["plain", "tab\there", "new\nline", "back\\slash", "cr\r", "\\N", "é ✓", "", None],
    "n": [0, -1, 2**62, 7, None, 3, 4, 5, 6],
    "x": [1.5, -0.0, 1e-300, math.nan, math.inf, -math.inf, None, 0.1 + 0.2, 3],
    "ok": [True, False, None, True, True, False, False, True, None],
    "blob": [b"", b"\x00\\\t\n", bytes(range(256)), None, b"a", b"b", b"c", b"d", b"e"],
    "at": ["2023-01-02 09:00:00.000001+00", None] + ["1999-12-31 23:59:59.999999+00"] * 7,
}


def _table(name: str) -> sa.Table:
    return sa.Table(
        name,
        sa.MetaData(),
        sa.Column("row", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("n", sa.BigInteger),
        sa.Column("x", sa.Float),
        sa.Column("ok", sa.Boolean),
        sa.Column("blob", sa.LargeBinary),
        sa.Column("at", sa.DateTime(timezone=True)),
    )


def _stored(conn: sa.Connection, table: sa.Table) -> list[tuple]:
    rows = conn.execute(sa.select(table).order_by(table.c.row)).all()
    # NaN != NaN: compare its text
    return [tuple("nan" if isinstance(v, float) and math.isnan(v) else v for v in r) for r in rows]


def test_copy_text_stores_what_psycopg_stores(postgresql_engine):
    ours, theirs = _table("copy_ours"), _table("copy_theirs")
    n = len(COLUMNS["name"])
    columns = {"row": list(range(n)), **COLUMNS}
    with postgresql_engine.begin() as conn:
        ours.create(conn)
        theirs.create(conn)
        assert insert_columns(conn, ours, {c: list(v) for c, v in columns.items()}) == n
        cursor = conn.connection.dbapi_connection.cursor()
        names = ", ".join(columns)
        with cursor.copy(f"COPY copy_theirs ({names}) FROM STDIN") as copy:
            for row in zip(*columns.values(), strict=True):
                copy.write_row(row)
        stored = _stored(conn, ours)
        assert stored == _stored(conn, theirs)
    assert len(stored) == n
    assert stored[1][1] == "tab\there" and stored[5][1] == "\\N" and stored[8][1] is None
    assert stored[1][5] == b"\x00\\\t\n" and stored[3][3] == "nan"


def test_copy_text_leaves_other_types_to_psycopg(postgresql_engine):
    """A numpy scalar is not a float to copy_text: the rows go through psycopg."""
    assert copy_text([[np.float64(1.5)]]) is None
    assert copy_text([["a", None], [1, 2]]) == "a\t1\n\\N\t2\n"
    table = _table("copy_numpy")
    with postgresql_engine.begin() as conn:
        table.create(conn)
        insert_columns(conn, table, {"row": [1, 2], "x": [np.float64(1.5), None]})
        assert conn.execute(sa.select(table.c.x).order_by(table.c.row)).scalars().all() == [
            1.5,
            None,
        ]
