"""Jira JSON → store rows. Pure: no I/O, no clock.

An issue document is what Jira's search or issue GET returns (REST v2 shapes, Cloud
and Data Center alike): ``{"id", "key", "fields": {...}, "changelog": {...}}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from vger.store.issues import MOVE_COLUMNS  # the columns save_issues takes a page's moves in

# Fields the ETL asks for: everything the issue row needs, nothing else.
FIELDS = (
    "summary",
    "issuetype",
    "parent",
    "status",
    "resolution",
    "resolutiondate",
    "created",
    "updated",
)
JQL_DATE = "%Y/%m/%d %H:%M"  # Jira's "yyyy/MM/dd HH:mm", read in the user's zone


def parse_time(text: str | None) -> datetime | None:
    """Jira's ``2021-06-18T18:41:29.398+0000`` (any offset) → UTC-aware datetime."""
    if not text:
        return None
    value = _FROM_ISO(text)
    zone = value.tzinfo
    if zone is None:  # never sent by Jira; be safe and read it as UTC
        return value.replace(tzinfo=UTC)
    return value if zone is UTC else value.astimezone(UTC)


_FROM_ISO = datetime.fromisoformat


@dataclass
class IssueRows:
    """Rows of one issue: the ``issue`` row, its status moves column by column
    (``moves``: lists of time, from id, to id, from name, to name, in changelog order;
    :attr:`transitions` gives them as rows), its flag rows, the statuses it names."""

    issue: dict[str, Any]
    moves: tuple[list, list, list, list, list]
    statuses: dict[str, dict[str, str | None]] = field(default_factory=dict)
    flags: list[dict[str, Any]] = field(default_factory=list)

    @property
    def transitions(self) -> list[dict[str, Any]]:
        """The moves as ``transition`` rows (issue_id, seq, at, from/to status id and
        name); ``seq``: changelog order, oldest first."""
        issue_id = self.issue["issue_id"]
        return [
            dict(zip(MOVE_COLUMNS, (issue_id, seq, *move), strict=True))
            for seq, move in enumerate(zip(*self.moves, strict=True))
        ]


@dataclass
class PageRows:
    """A page of issues' rows, ready for one ``save_issues``: issue rows, the status
    moves column by column (``transitions``: one list per :data:`MOVE_COLUMNS`, no dict
    per move), flag rows and the statuses named (a status's category wins)."""

    issues: list[dict[str, Any]] = field(default_factory=list)
    transitions: dict[str, list] = field(default_factory=lambda: {c: [] for c in MOVE_COLUMNS})
    flags: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[str, dict[str, str | None]] = field(default_factory=dict)

    def add(self, rows: IssueRows) -> None:
        """Append one issue's rows."""
        self.issues.append(rows.issue)
        t = self.transitions
        at, src, dst, src_name, dst_name = rows.moves
        t["issue_id"] += [rows.issue["issue_id"]] * len(at)
        t["seq"] += range(len(at))
        t["at"] += at
        t["from_status_id"] += src
        t["to_status_id"] += dst
        t["from_status"] += src_name
        t["to_status"] += dst_name
        self.flags += rows.flags
        for sid, st in rows.statuses.items():
            if sid not in self.statuses or st.get("category"):
                self.statuses[sid] = st


def changelog_state(doc: Mapping[str, Any]) -> tuple[bool, int, int]:
    """(complete?, histories present, total) of an issue's embedded changelog.
    A missing changelog (the server ignored ``expand``) is incomplete."""
    changelog = doc.get("changelog")
    if not isinstance(changelog, Mapping) or "histories" not in changelog:
        return False, 0, -1
    present = len(changelog.get("histories") or [])
    total = changelog.get("total")
    if total is None:
        # No total: a full page (``maxResults`` histories) may have been cut; a changelog
        # without either (DC single-issue GET of old versions) is all we can know.
        limit = changelog.get("maxResults")
        if limit is not None and 0 < int(limit) <= present:
            return False, present, -1
        return True, present, present
    return int(total) <= present, present, int(total)


def merge_histories(*lists: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Union of changelog histories (deduplicated by id), oldest first. Embedded
    changelogs are newest first, the paged endpoint oldest first: sort by time, then id."""
    return [h for _, h in _ordered(*lists)]


def _ordered(*lists: Iterable[Mapping[str, Any]]) -> list[tuple[datetime, Mapping[str, Any]]]:
    """(time, history) pairs, deduplicated by id, oldest first (ties: numeric id)."""
    seen: set[str] = set()
    out: list[tuple[datetime, int, str, Mapping[str, Any]]] = []
    append = out.append
    for histories in lists:
        for h in histories or ():
            hid = h.get("id")
            if hid is None:
                hid = ""
            else:
                hid = str(hid)
                if hid in seen:
                    continue
                seen.add(hid)
            text = h.get("created")  # parse_time, inlined: it runs once per history
            if text:
                at = _FROM_ISO(text)
                zone = at.tzinfo
                if zone is None:
                    at = at.replace(tzinfo=UTC)
                elif zone is not UTC:
                    at = at.astimezone(UTC)
            else:
                at = _EPOCH
            append((at, len(hid), hid, h))
    out.sort(key=_SORT_KEY)  # newest-first input is one descending run: linear
    return [(x[0], x[3]) for x in out]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SORT_KEY = itemgetter(0, 1, 2)  # time, then numeric id (shorter first), never the dict


def _name(value: Any) -> str | None:
    if isinstance(value, Mapping):
        return value.get("name")
    return value if isinstance(value, str) else None


def _is_status(item: Mapping[str, Any]) -> bool:
    field_id = item.get("fieldId", _ABSENT)
    if field_id is not _ABSENT:
        return field_id == "status"
    return item.get("field") == "status" and item.get("fieldtype", "jira") == "jira"


_ABSENT = object()


def _is_flag(item: Mapping[str, Any]) -> bool:
    """Jira's "Flagged" field (a custom field whose id differs per site, so matched by
    its name): set to "Impediment" when flagged, emptied when the flag is removed."""
    field = item.get("field")
    return bool(field) and str(field).casefold() == "flagged"


def flag_field_id(docs: Iterable[Mapping[str, Any]]) -> str | None:
    """The site's "Flagged" field id (``customfield_10021`` on the jirametrics sample
    site), from the first Flagged item of the documents' embedded changelogs; None when
    none holds one. Lets ``changelog/bulkfetch`` ask for the flag's changes too."""
    for doc in docs:
        for h in (doc.get("changelog") or {}).get("histories") or ():
            for item in h.get("items") or ():
                if _is_flag(item) and item.get("fieldId"):
                    return str(item["fieldId"])
    return None


def flag_rows(
    issue_id: str, created: datetime, ordered: Sequence[tuple[datetime, Mapping[str, Any]]]
) -> list[dict[str, Any]]:
    """The issue's flag changes (``issue_id``, ``seq``, ``at``, ``flagged``), oldest
    first. An issue whose first change clears the flag was flagged since ``created``
    (Jira records no change for a value set at creation)."""
    changes = [(at, item) for at, h in ordered for item in h.get("items") or () if _is_flag(item)]
    return _flag_rows(issue_id, created, changes)


def _flag_rows(
    issue_id: str, created: datetime, changes: Sequence[tuple[datetime, Mapping[str, Any]]]
) -> list[dict[str, Any]]:
    """:func:`flag_rows` of the Flagged items already picked, in order."""
    rows: list[dict[str, Any]] = []
    for at, item in changes:
        if not rows and item.get("fromString"):
            rows.append({"issue_id": issue_id, "seq": 0, "at": created, "flagged": True})
        flagged = bool((item.get("toString") or "").strip())
        rows.append({"issue_id": issue_id, "seq": len(rows), "at": at, "flagged": flagged})
    return rows


def transform_issue(
    doc: Mapping[str, Any], histories: Sequence[Mapping] | None = None
) -> IssueRows:
    """One issue document → rows. ``histories`` replaces the embedded changelog when the
    full history was fetched separately. Moves keep status ids and names, in changelog
    order, oldest first, items of one history consecutive (column by column: no dict per
    move). Changes of the "Flagged" field become ``flags`` rows (:func:`flag_rows`)."""
    f = doc.get("fields") or {}
    issue_id = str(doc["id"])
    status = f.get("status") or {}
    itype = f.get("issuetype") or {}
    parent = f.get("parent") or {}
    created = parse_time(f.get("created"))
    if created is None:
        raise ValueError(f"issue {doc.get('key')} has no created date")
    statuses: dict[str, dict[str, str | None]] = {}
    if status.get("id") is not None:
        statuses[str(status["id"])] = {
            "status_id": str(status["id"]),
            "name": status.get("name") or str(status["id"]),
            "category": (status.get("statusCategory") or {}).get("key"),
        }
    if histories is None:
        ordered = _ordered((doc.get("changelog") or {}).get("histories") or [])
    else:
        ordered = [(parse_time(h.get("created")) or _EPOCH, h) for h in histories]
    at_of: list[datetime] = []  # the moves, column by column
    src_ids: list[str | None] = []
    dst_ids: list[str | None] = []
    src_names: list[str | None] = []
    dst_names: list[str | None] = []
    flagged: list[tuple[datetime, Mapping[str, Any]]] = []
    for at, h in ordered:  # one pass over the items: status moves and Flagged changes
        for item in h.get("items") or ():
            # _is_flag and _is_status inlined (they run once per changelog item)
            name = item.get("field")
            if name and name != "status" and str(name).casefold() == "flagged":
                flagged.append((at, item))
            field_id = item.get("fieldId", _ABSENT)
            if field_id is _ABSENT:
                if name != "status" or item.get("fieldtype", "jira") != "jira":
                    continue
            elif field_id != "status":
                continue
            src, dst = item.get("from"), item.get("to")
            src_name, dst_name = item.get("fromString"), item.get("toString")
            if src is not None:
                src = str(src)
                if src not in statuses:
                    statuses[src] = {"status_id": src, "name": src_name or src, "category": None}
            if dst is not None:
                dst = str(dst)
                if dst not in statuses:
                    statuses[dst] = {"status_id": dst, "name": dst_name or dst, "category": None}
            at_of.append(at)
            src_ids.append(src)
            dst_ids.append(dst)
            src_names.append(src_name)
            dst_names.append(dst_name)
    row = {
        "issue_id": issue_id,
        "key": doc.get("key") or issue_id,
        "issue_type": _name(itype) or "Unknown",
        "is_subtask": bool(itype.get("subtask", False)),
        "parent_key": parent.get("key") if isinstance(parent, Mapping) else None,
        "summary": f.get("summary") or "",
        "status_id": str(status["id"]) if status.get("id") is not None else None,
        "status_name": status.get("name"),
        "resolution": _name(f.get("resolution")),
        "created": created,
        "updated": parse_time(f.get("updated")) or created,
        "history_cut": False,
    }
    return IssueRows(
        row,
        (at_of, src_ids, dst_ids, src_names, dst_names),
        statuses,
        _flag_rows(issue_id, created, flagged),
    )


def history_cut(doc: Mapping[str, Any]) -> bool:
    """True when an issue GET's changelog says it holds fewer histories than exist
    (``total`` above the count, or a full ``maxResults`` page without a total)."""
    complete, _, _ = changelog_state(doc)
    return "changelog" in doc and not complete


def initial_status(rows: IssueRows) -> str | None:
    """The status an issue was created in: the ``from`` of its first status move, else
    its current status."""
    src_ids = rows.moves[1]
    if src_ids and src_ids[0] is not None:
        return src_ids[0]
    return rows.issue["status_id"]


# --- incremental JQL ------------------------------------------------------------------


def since_clause(watermark: datetime, overlap: timedelta, user_tz: str | None) -> str:
    """``updated >= "yyyy/MM/dd HH:mm"`` for ``watermark - overlap``, written in the
    Jira user's zone (JQL dates are read in it) and floored to the minute."""
    try:
        zone = ZoneInfo(user_tz or "UTC")
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    local = (watermark - overlap).astimezone(zone)
    return f'updated >= "{local.strftime(JQL_DATE)}"'


def search_jql(board_jql: str, since: str | None = None, order: str = "updated ASC") -> str:
    """The board's JQL kept verbatim in parentheses, with the optional date clause.
    A trailing ORDER BY of the board's JQL is dropped (ours decides the paging order)."""
    inner = strip_order_by(board_jql)
    jql = f"({inner})"
    if since:
        jql += f" AND {since}"
    return f"{jql} ORDER BY {order}"


def strip_order_by(jql: str) -> str:
    text = jql.strip()
    upper = text.upper()
    k = upper.rfind("ORDER BY")
    if k >= 0 and text[:k].count('"') % 2 == 0 and text[:k].count("'") % 2 == 0:
        text = text[:k].rstrip()
    return text


# --- board defaults ---------------------------------------------------------------------


def default_workflow(
    config: Mapping[str, Any],
) -> tuple[list[tuple[str, list[str]]], tuple[int, int]] | None:
    """Work states from ``/rest/agile/1.0/board/{id}/configuration``: the columns in
    order with their status ids (trailing columns without statuses dropped: Jira treats
    the last column with statuses as Done) and the lead-time interval from the second
    column to the one before the last. None when there are too few columns."""
    columns = list((config.get("columnConfig") or {}).get("columns") or [])
    while columns and not columns[-1].get("statuses"):
        columns.pop()
    states: list[tuple[str, list[str]]] = []
    seen: set[str] = set()
    names: set[str] = set()
    for col in columns:
        ids = [str(s["id"]) for s in col.get("statuses") or () if str(s.get("id")) not in seen]
        seen.update(ids)
        name = str(col.get("name") or f"Column {len(states) + 1}")
        while name in names:
            name += " (2)"
        names.add(name)
        states.append((name, ids))
    n = len(states)
    if n < 2:
        return None
    interval = (1, n - 2) if n >= 3 else (0, 0)
    return states, interval


WORK_TYPE_OF = {
    "bug": "Defect",
    "defect": "Defect",
    "incident": "Defect",
    "story": "Feature",
    "user story": "Feature",
    "feature": "Feature",
    "new feature": "Feature",
    "improvement": "Feature",
    "enhancement": "Feature",
}


def default_work_types(issue_types: Iterable[str]) -> dict[str, list[str]]:
    """Work types from the issue types seen: Bug → Defect; Story, New Feature,
    Improvement → Feature; every other type is its own work type (Task, Epic, ...)."""
    groups: dict[str, list[str]] = {}
    for t in sorted(set(issue_types)):
        groups.setdefault(WORK_TYPE_OF.get(t.strip().casefold(), t), []).append(t)
    return groups
