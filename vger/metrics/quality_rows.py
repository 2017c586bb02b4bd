"""What every data-quality check's answer is made of: one row per affected issue
(``issue_id``, ``key``, ``detail``), sorted by key, and the vectorised text helpers the
details are written with (instants as ``YYYY-MM-DD HH:MM UTC``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vger.metrics.events import Workflow

ROW_COLUMNS = ["issue_id", "key", "detail"]


def rows_of(frame: pd.DataFrame, detail) -> pd.DataFrame:
    """Result rows for the issues in ``frame``, sorted by key (naturally: EX-2 < EX-10)."""
    out = pd.DataFrame(
        {
            "issue_id": frame["issue_id"].astype(str).to_numpy(),
            "key": frame["key"].astype(str).to_numpy(),
            "detail": list(detail) if not isinstance(detail, str) else [detail] * len(frame),
        },
        columns=ROW_COLUMNS,
    )
    return sort_keys(out)


def sort_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by issue key, numerically within a project (EX-2 before EX-10)."""
    if frame.empty:
        return frame.reset_index(drop=True)
    # split at the last "-" in one vectorised pass (numpy's, not a Python call per key)
    keys = frame["key"].astype(str).to_numpy(dtype=str)
    head, sep, tail = np.char.rpartition(keys, "-").T if len(keys) else (keys, keys, keys)
    has = sep != ""
    project = np.where(has, head, keys)
    number = pd.to_numeric(pd.Series(np.where(has, tail, "")), errors="coerce").to_numpy()
    order = pd.DataFrame(
        {"p": project, "n": number, "k": frame["key"].to_numpy()}, index=frame.index
    ).sort_values(["p", "n", "k"], na_position="last")
    return frame.loc[order.index].reset_index(drop=True)


def no_rows() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ROW_COLUMNS})


def day_text(at: pd.Series | pd.Index | np.ndarray) -> np.ndarray:
    """Each instant as ``YYYY-MM-DD HH:MM UTC`` text (one vectorised pass)."""
    return pd.Series(pd.to_datetime(at, utc=True)).dt.strftime("%Y-%m-%d %H:%M UTC").to_numpy()


def naive_utc(values) -> np.ndarray:
    """Instants as naive UTC ``datetime64[ns]`` (fast to compare and to rebuild)."""
    index = pd.DatetimeIndex(pd.to_datetime(values, utc=True)).tz_convert(None)
    return index.to_numpy(dtype="datetime64[ns]")


def blanks(values: pd.Series) -> np.ndarray:
    """True where a value is missing or only whitespace."""
    text = values.astype(object).where(values.notna(), "").to_numpy()
    # once per distinct value (a resolution has a handful), not per issue through
    # ``astype(str).str.strip()``: 15 -> 5 ms on 100,000 issues
    codes, uniques = pd.factorize(text)
    return np.array([not str(u).strip() for u in uniques], dtype=bool)[codes]


def plural(n: pd.Series | np.ndarray) -> np.ndarray:
    """ "s" where ``n`` != 1, else ""."""
    return np.where(np.asarray(n) != 1, "s", "")


def joined(*parts) -> np.ndarray:
    """Element-wise concatenation of text arrays and strings."""
    out = np.asarray(parts[0], dtype=object)
    for part in parts[1:]:
        out = out + (np.asarray(part, dtype=object) if not isinstance(part, str) else part)
    return out


def fixed1(x) -> np.ndarray:
    """Numbers with one decimal, exactly as ``f"{x:.1f}"``."""
    return np.char.mod("%.1f", np.asarray(x, dtype=float)).astype(object)


def keyed(issues: pd.DataFrame, by_issue: pd.Series) -> pd.DataFrame:
    """``issues`` rows at the row positions in ``by_issue``'s index, with ``detail``."""
    by_issue = by_issue.sort_index()
    return rows_of(issues.iloc[by_issue.index.to_numpy(dtype=np.int64)], by_issue.to_numpy())


def positions(status_ids: pd.Series, workflow: Workflow) -> np.ndarray:
    codes, uniques = pd.factorize(status_ids.astype(object), use_na_sentinel=True)
    lookup = np.array([workflow.position(u) for u in uniques] + [-1], dtype=np.int64)
    return lookup[codes]  # the sentinel -1 picks the trailing -1 (unknown status)


def per_status(status_ids: pd.Series, label) -> np.ndarray:
    """``label(status)`` for each value, computed once per distinct status."""
    codes, uniques = pd.factorize(status_ids.astype(object))
    labels = np.array([label(u) for u in uniques] + [""], dtype=object)
    return labels[codes]
