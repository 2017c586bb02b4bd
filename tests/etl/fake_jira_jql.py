"""The fake Jira's timestamps and the JQL it understands: only what the ETL sends (see
:mod:`tests.etl.fake_jira`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo


def jira_time(value: datetime) -> str:
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+0000"


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def select(issues: list[dict[str, Any]], jql: str, tz: str) -> list[dict[str, Any]]:
    """Those of ``issues`` the JQL matches, ordered; its dates read in the user's zone ``tz``.
    Raises ValueError for invalid JQL."""
    m = re.match(r"^\s*(.*?)\s*(?:ORDER BY\s+(\w+)\s*(ASC|DESC)?)?\s*$", jql, re.I | re.S)
    body, order, direction = m.group(1), (m.group(2) or "created"), (m.group(3) or "DESC")
    if "NOPE" in body:
        raise ValueError("The value 'NOPE' does not exist for the field 'project'.")
    if not body.strip():
        raise ValueError(
            "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
        )
    project = re.search(r"project\s*=\s*(\w+)", body)
    docs = list(issues)
    if project:
        docs = [x for x in docs if x["key"].split("-")[0] == project.group(1)]
    ids = re.search(r"\bid\s+in\s*\(([\d,\s]+)\)", body, re.I)
    if ids:
        wanted = {i.strip() for i in ids.group(1).split(",")}
        docs = [x for x in docs if str(x["id"]) in wanted]
    either = re.search(r"AND\s+\(\s*(\(.*\))\s*\)\s*$", body, re.S)
    if either and re.search(r"\)\s+OR\s+\(", either.group(1)):
        # ``AND ((a AND b) OR (c AND d))``: a row matches when any group matches
        tests = [_test(g, tz) for g in re.findall(r"\(([^()]*)\)", either.group(1))]
        docs = [x for x in docs if any(t(x) for t in tests)]
    else:
        test = _test(body, tz)
        docs = [x for x in docs if test(x)]
    field = order.lower()
    if field in ("updated", "created"):
        docs.sort(
            key=lambda x: (x["_t"][field], int(x["id"])),
            reverse=direction.upper() == "DESC",
        )
    else:
        docs.sort(key=lambda x: int(x["id"]), reverse=direction.upper() == "DESC")
    return docs


def _test(clauses: str, tz: str):
    """A row test for the ``id`` and ``updated`` comparisons in ``clauses`` (parsed once)."""
    ids = [
        (op, int(bound)) for op, bound in re.findall(r"\bid\s*(>=|<=|>|<)\s*(\d+)", clauses, re.I)
    ]
    since = _jql_time(clauses, ">=", tz)
    before = _jql_time(clauses, "<", tz)

    def test(doc: dict[str, Any]) -> bool:
        if not all(_compare(int(doc["id"]), op, bound) for op, bound in ids):
            return False
        updated = doc["_t"]["updated"]
        return (since is None or updated >= since) and (before is None or updated < before)

    return test


def _jql_time(body: str, op: str, tz: str) -> datetime | None:
    d = re.search(r"updated\s*" + op + r'\s*"(\d{4}/\d{2}/\d{2} \d{2}:\d{2})"', body)
    if not d:
        return None
    local = datetime.strptime(d.group(1), "%Y/%m/%d %H:%M").replace(tzinfo=ZoneInfo(tz))
    return local.astimezone(UTC)


def _compare(value: int, op: str, bound: int) -> bool:
    return {">=": value >= bound, "<=": value <= bound, ">": value > bound, "<": value < bound}[op]
