"""Reads of Jira's "Flagged" history (``issue_flag``), for blocked time."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Connection, String, bindparam, cast, column, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from vger.store import schema as s
from vger.store.frames import _utc, read_frame, stamp

CHUNK = 500


def issue_flags(
    conn: Connection, board_id: int, issue_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Flag changes of the board's issues (all, or those of ``issue_ids``):
    ``issue_id``, ``at`` (UTC), ``flagged``, in changelog order per issue."""
    f = s.issue_flag
    stmt = select(f.c.issue_id, stamp(f.c.at), f.c.flagged).where(f.c.board_id == board_id)
    order = (f.c.issue_id, f.c.seq)
    if issue_ids is None:
        frames = [read_frame(conn, stmt.order_by(*order))]
    else:
        ids = list(dict.fromkeys(map(str, issue_ids)))  # once each, in the caller's order
        dialect = conn.dialect.name
        if dialect in ("postgresql", "sqlite") and ids:
            frames = [
                read_frame(conn, stmt.where(_among(f.c.issue_id, ids, dialect)).order_by(*order))
            ]
        else:
            ids.sort()
            frames = [
                read_frame(conn, stmt.where(f.c.issue_id.in_(ids[k : k + CHUNK])).order_by(*order))
                for k in range(0, len(ids), CHUNK)
            ]
    frames = [x for x in frames if not x.empty]
    if not frames:
        return pd.DataFrame(
            {
                "issue_id": pd.Series(dtype=object),
                "at": pd.Series(dtype="datetime64[ns, UTC]"),
                "flagged": pd.Series(dtype=bool),
            }
        )
    out = pd.concat(frames, ignore_index=True)
    out = _utc(out, "at")
    out["flagged"] = out["flagged"].astype(bool)
    out["issue_id"] = out["issue_id"].astype(str)
    return out


def _among(col, ids: list[str], dialect: str):
    """``col IN ids`` as one bound value (a PostgreSQL array, a JSON list SQLite's
    ``json_each`` unpacks), not one parameter per id: compiling 23 statements of 500
    parameters for the 11,000 issues of a 13-week lead-time CSV cost more than reading
    their flags."""
    if dialect == "postgresql":
        # the array's text, cast by the server: psycopg writes a list element by element
        # in Python (0.08 CPU-s for the 12,000 open issues of the aging view). IN over its
        # unnest, not = ANY(array): the server tests ANY against each row's id element by
        # element when the planner leaves it as a filter (12,000 ids x 16,700 flag rows:
        # 18 s of server time per aging request on the 100,000-issue board); the unnest
        # is a hash or index join whatever the plan
        ids_array = cast(bindparam("flag_ids", _pg_array_text(ids), type_=String), ARRAY(String))
        return col.in_(select(func.unnest(ids_array)))
    return col.in_(select(column("value")).select_from(func.json_each(json.dumps(ids))))


_CONTROL = re.compile("[\x00-\x1f]")  # what JSON writes as escapes


def _pg_array_text(ids: list[str]) -> str:
    """``ids`` as PostgreSQL's array text (``{"a","b"}``), written in C: JSON quotes a
    string as the array does (a backslash before ``"`` and ``\\``) but for control
    characters, which it writes as escapes; then the ids are quoted one by one."""
    if _CONTROL.search("".join(ids)):
        quoted = ('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in ids)
        return "{" + ",".join(quoted) + "}"
    return "{" + json.dumps(ids, ensure_ascii=False, separators=(",", ":"))[1:-1] + "}"
