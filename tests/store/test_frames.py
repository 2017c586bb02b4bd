"""frames._utc: PostgreSQL's whole microseconds since 1970 (as :func:`stamp` selects
them) become the same tz-aware UTC instants whatever their size, None becoming NaT."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from vger.store.frames import _utc, read_frame

CASES = {
    "ordinary": [1_763_478_000_123_456, None, 0, -1, 1],
    "before 1970": [-86_400_000_000 * 365 * 50, None],
    "at the float limit": [2**53 - 1, -(2**53) + 1, None],
    "beyond it": [2**53 + 1, 1_763_478_000_123_457, None],  # 2255 and later: not via floats
    "none but one": [None, None, 42],
}


@pytest.mark.parametrize("micros", CASES.values(), ids=CASES.keys())
def test_micros_become_the_same_utc_instants(micros):
    frame = _utc(pd.DataFrame({"at": pd.Series(micros, dtype=object)}), "at")
    expected = pd.to_datetime(pd.array(micros, dtype="Int64"), unit="us", utc=True)
    assert frame["at"].dtype == "datetime64[us, UTC]"
    assert list(frame["at"]) == list(expected)
    assert frame["at"].isna().tolist() == [m is None for m in micros]
    # each value exactly: microseconds since 1970 back from the instant
    back = [None if pd.isna(t) else t.value // 1000 for t in frame["at"]]
    assert back == micros


@pytest.mark.parametrize(
    ("rows", "kinds"),
    [
        ([(1, "a", None, 2.5), (2, None, True, None)], ("O", "O", "O", "f")),  # one grid
        ([], ("O", "O", "O", "f")),  # no rows
    ],
)
def test_read_frame_columns_as_the_driver_gives_them(rows, kinds):
    # every column object (values as the driver gives them), the NUMERIC ones float
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (id INTEGER, key TEXT, cut BOOLEAN, seq REAL)"))
        for row in rows:
            conn.execute(
                sa.text("INSERT INTO t VALUES (:a, :b, :c, :d)"),
                dict(zip("abcd", row, strict=True)),
            )
        frame = read_frame(conn, sa.select(sa.text("id, key, cut, seq FROM t ORDER BY id")))
    assert list(frame.columns) == ["id", "key", "cut", "seq"]
    assert tuple(frame[c].dtype.kind for c in frame.columns) == kinds
    assert frame["id"].tolist() == [r[0] for r in rows]
    assert frame["key"].tolist() == [r[1] for r in rows]
    assert frame["cut"].tolist() == [None if r[2] is None else int(r[2]) for r in rows]
    assert [None if pd.isna(v) else v for v in frame["seq"]] == [r[3] for r in rows]
