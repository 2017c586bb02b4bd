"""CSV bodies for every chart (pure: view data in, DataFrame out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vger.metrics.quadrant import keys_by_week
from vger.web.views import QuadrantData

_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def defuse(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a quote."""
    out = frame.copy()
    for column in columns:
        values = out[column].astype(object)
        try:
            risky = values.str.startswith(_FORMULA, na=False).to_numpy(dtype=bool)
        except AttributeError:  # no text in the column at all
            continue
        if risky.any():
            values = values.copy()
            values[risky] = "'" + values[risky]
        out[column] = values
    return out


def throughput_csv(data: QuadrantData) -> pd.DataFrame:
    """week, count, complete, the likelihood lines shown, and the keys completed that week."""
    frame = keys_by_week(data.items[data.items["outcome"] == "completed"], data.grid)
    for level in (50, 80, 90):
        frame[f"likelihood_{level}"] = np.round(data.quadrant.throughput[level].to_numpy(), 4)
    frame = frame.rename(columns={"keys": "prs" if data.source == "github" else "keys"})
    return defuse(frame, [frame.columns[3]])


def variation_csv(data: QuadrantData) -> pd.DataFrame:
    v = data.quadrant.variation
    return pd.DataFrame(
        {
            "week": [d.date().isoformat() for d in v.index],
            "count": data.quadrant.throughput["count"].to_numpy(),
            "variation": np.round(v.to_numpy(), 6),
        }
    )


def backlog_csv(data: QuadrantData) -> pd.DataFrame:
    b = data.quadrant.backlog.reset_index()
    b["week"] = [d.date().isoformat() for d in b["week"]]
    return b


def volume_csv(data: QuadrantData) -> pd.DataFrame:
    v = data.volume.reset_index()
    v["week"] = [d.date().isoformat() for d in v["week"]]
    return v.rename(columns={"merged": "merged_lines", "rejected": "rejected_lines"})


def leadtime_csv(
    data: QuadrantData, state_days: pd.DataFrame | None = None, flagged: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per completed item in the range: key, summary, type, start, done, days
    (and for issues the days flagged in Jira, ``flagged`` in the order of
    ``data.completed``, and the days per work state, in board order)."""
    c = data.completed
    if flagged is not None:
        c = c.assign(flagged=np.asarray(flagged, dtype=float))
    c = c.sort_values(["done", "key"])
    github = data.source == "github"
    frame = pd.DataFrame(
        {
            "key": c["key"].to_numpy(),
            "summary": c["summary"].to_numpy(),
            "type": c["issue_type"].to_numpy(),
            "start": iso_utc(c["created"] if github else c["start"]),
            "done": iso_utc(c["done"]),
            "days": np.round(c["lead_time"].to_numpy(dtype=float), 4),
        }
    )
    if not github and flagged is not None:
        frame["days_flagged"] = np.round(c["flagged"].to_numpy(dtype=float), 4)
    if github:
        frame["additions"] = c["additions"].to_numpy()
        frame["deletions"] = c["deletions"].to_numpy()
        frame["url"] = c["url"].to_numpy()
    elif state_days is not None and not state_days.empty:
        wide = state_days.pivot_table(
            index="issue_id",
            columns=["position", "state"],
            values="days",
            aggfunc="sum",
            fill_value=0.0,
        )
        wide.index = wide.index.astype(str)
        rows = wide.reindex(c["issue_id"].astype(str).to_numpy(), fill_value=0.0)
        has_lead = ~np.isnan(c["lead_time"].to_numpy(dtype=float))
        for position, name in sorted(wide.columns, key=lambda col: (col[0] < 0, col[0])):
            values = np.where(has_lead, rows[(position, name)].to_numpy(dtype=float), np.nan)
            frame[f"days_{name}"] = np.round(values, 4)
    return defuse(frame, ["summary"])


def iso_utc(values: pd.Series) -> np.ndarray:
    """Instants as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC ("" when missing), a column at a time."""
    t = pd.to_datetime(pd.Series(values), utc=True)
    return t.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("").to_numpy(dtype=object)


def headlines_csv(data: QuadrantData) -> pd.DataFrame:
    """One row per quadrant headline (throughput, leadtime, backlog, variation) and one
    for the story: the number now and for the previous period of equal length, the
    direction, the two periods (local dates) and the sentence shown."""
    h = data.headlines
    current = h.current or (None, None)
    previous = h.previous or (None, None)
    rows = [
        {
            "headline": card.chart,
            "now": card.now,
            "previous": card.previous,
            "direction": card.direction,
            "verdict": card.verdict,
            "weeks": h.weeks,
            "from": current[0],
            "to": current[1],
            "previous_from": previous[0],
            "previous_to": previous[1],
            "text": card.text,
        }
        for card in h.cards.values()
    ]
    rows.append({"headline": "story", "weeks": h.weeks, "text": h.story})
    return defuse(pd.DataFrame(rows, columns=list(rows[0])), ["text"])
