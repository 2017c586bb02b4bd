"""CSV rows (``vger.web.export.csv_rows``): float columns written through Python's
``repr`` read as pandas writes a float column (numpy's text), number for number."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vger.web.export import csv_rows, iso_utc

EDGES = [0.0, -0.0, 0.1, 1 / 3, 1e-4, 1e-5, 9.9999e-5, 1e15, 1e16, 1.5e16, 9999999999999998.0]
EXTREMES = [5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, np.inf, -np.inf, np.nan]


def test_floats_are_written_as_pandas_writes_them():
    rng = np.random.default_rng(5)
    many = rng.standard_normal(20_000) * 10.0 ** rng.integers(-320, 300, 20_000)
    values = np.concatenate([EDGES, EXTREMES, many, np.round(rng.random(20_000) * 900, 4)])
    frame = pd.DataFrame({"key": [f"K-{k}" for k in range(len(values))], "days": values})
    text = csv_rows(frame)
    assert text == frame.to_csv(index=False, header=False)
    lines = text.splitlines()
    assert lines[:3] == ["K-0,0.0", "K-1,-0.0", "K-2,0.1"]
    assert lines[len(EDGES) + len(EXTREMES) - 1] == f"K-{len(EDGES) + len(EXTREMES) - 1},"


def test_other_columns_are_left_as_they_are():
    frame = pd.DataFrame(
        {"n": np.array([1, 2], dtype=np.int64), "f32": np.array([0.1, 2.5], dtype=np.float32)}
    )
    assert csv_rows(frame) == frame.to_csv(index=False, header=False) == "1,0.1\n2,2.5\n"


def test_instants_are_written_in_utc_with_a_z():
    values = pd.Series(
        [pd.Timestamp("2026-03-29 01:30:00.7", tz="Europe/Berlin"), pd.NaT, "1999-12-31T23:59:59Z"]
    )
    assert iso_utc(values).tolist() == ["2026-03-29T00:30:00Z", "", "1999-12-31T23:59:59Z"]
