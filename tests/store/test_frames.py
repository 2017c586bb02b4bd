"""frames._utc: PostgreSQL's whole microseconds since 1970 (as :func:`stamp` selects
them) become the same tz-aware UTC instants whatever their size, None becoming NaT."""

from __future__ import annotations

import pandas as pd
import pytest

from vger.store.frames import _utc

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
