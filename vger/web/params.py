"""The URL contract: parse and write the query string shared by every data page.

Pure: no Flask, no store. Invalid values fall back to defaults and produce a notice
in words; unknown parameters are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from vger.metrics.flow import BANDS  # flow: every band, done hidden, done from zero

DEFAULT_DAYS = 90
MAX_DAYS = 366 * 10
SOURCES = ("jira", "github")
LINES = ("rolling", "straight")
LEADTIME = ("overall", "states")
BACKLOG = ("absolute", "relative")
QUARTERS = (4, 6, 8)
SAMPLE_WEEKS = (4, 52)  # forecast: complete weeks of throughput resampled
DEFAULT_SAMPLE = 12
MAX_ITEMS = 10_000
DEFAULT_ITEMS = 30
#: Dates outside these bounds are clamped (pandas timestamps end in 2262; no board has
#: issues before 1970), so an extreme date can neither fail nor cost more than 10 years.
FIRST_DATE = date(1970, 1, 1)
LAST_DATE = date(2199, 12, 31)
#: A list parameter (types, repos) keeps at most this many distinct values of at most
#: ``MAX_VALUE`` characters; more are dropped before any work is done on them.
MAX_LIST = 20
MAX_VALUE = 200
#: Raw comma-separated parts read from one request before the rest is ignored.
MAX_PARTS = 200
_DIGITS = re.compile(r"^[0-9]{1,3}$")
_NUMBER = re.compile(r"^[0-9]{1,6}$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# Relative ranges (``range=``): N days, weeks or years up to today, quarter or year to
# date (calendar), or all (the 10-year cap); they move with the clock.
_RELATIVE = re.compile(r"^(?:([0-9]{1,4})([dwy])|qtd|ytd|all)$")
RANGE_PRESETS = ("90d", "26w", "1y", "qtd", "ytd", "all")


@dataclass(frozen=True)
class ViewParams:
    """Every parameter of a data page. ``start``/``end`` are local dates (team zone)."""

    board: str | None = None
    source: str = "jira"
    start: date | None = None
    end: date | None = None
    types: tuple[str, ...] = ()
    repos: tuple[str, ...] = ()
    window: int | None = None  # None: the board's rolling window
    lines: str = "rolling"
    tags: bool = False
    leadtime: str = "overall"
    backlog: str = "absolute"
    quarters: int = 4
    sample: int = DEFAULT_SAMPLE  # forecast: weeks of throughput resampled
    by: date | None = None  # forecast: "how many by" date (None: 6 weeks ahead)
    items: int = DEFAULT_ITEMS  # forecast: "when will K items be done"
    relative: str | None = None  # ``range=``: 90d, 26w, 1y, qtd, ytd, all (wins over from/to)
    bands: str = "all"  # flow: ``bands=nodone`` hides done states, ``zero`` starts them at 0

    def to_query(self) -> str:
        """The query string (without ``?``) that restores this view; defaults are left out."""
        pairs: list[tuple[str, str]] = []
        if self.board:
            pairs.append(("board", self.board))
        if self.source != "jira":
            pairs.append(("source", self.source))
        if self.start:
            pairs.append(("from", self.start.isoformat()))
        if self.end:
            pairs.append(("to", self.end.isoformat()))
        if self.types:
            pairs.append(("types", ",".join(self.types)))
        if self.repos:
            pairs.append(("repos", ",".join(self.repos)))
        if self.window is not None:
            pairs.append(("window", str(self.window)))
        if self.lines != "rolling":
            pairs.append(("lines", self.lines))
        if self.tags:
            pairs.append(("tags", "1"))
        if self.leadtime != "overall":
            pairs.append(("leadtime", self.leadtime))
        if self.backlog != "absolute":
            pairs.append(("backlog", self.backlog))
        if self.quarters != 4:
            pairs.append(("quarters", str(self.quarters)))
        if self.sample != DEFAULT_SAMPLE:
            pairs.append(("sample", str(self.sample)))
        if self.by:
            pairs.append(("by", self.by.isoformat()))
        if self.items != DEFAULT_ITEMS:
            pairs.append(("items", str(self.items)))
        if self.relative:
            pairs.append(("range", self.relative))
        if self.bands != "all":
            pairs.append(("bands", self.bands))
        return urlencode(pairs, safe=",/")

    def shared_query(self) -> str:
        """Only the parameters every page shares (board, source, dates, types, repos)."""
        return ViewParams(
            board=self.board,
            source=self.source,
            start=self.start,
            end=self.end,
            types=self.types,
            repos=self.repos,
            relative=self.relative,
        ).to_query()

    def dates(self, today: date) -> tuple[date, date]:
        """The range to show: a relative range up to ``today``, else explicit dates, else
        the last 90 days up to ``today``; never longer than ``MAX_DAYS`` before its
        effective end (see :func:`clamp_range`)."""
        if self.relative:
            start, end = relative_dates(self.relative, today)
            return max(start, end - timedelta(days=MAX_DAYS)), end
        end = self.end or today
        start = self.start or end - timedelta(days=DEFAULT_DAYS - 1)
        return max(start, end - timedelta(days=MAX_DAYS)), end


#: Days × stored issues one request may cover (the daily flow and the lead-time CSV of a
#: 20,000-issue board cost ~2 CPU-s for 700 days, ~0.35 s for 90): a board of 20,000 issues
#: shows at most 300 days at once, one of 1,650 the whole 10 years.
ISSUE_DAYS = 6_000_000
MIN_DAYS = 92  # however large the board, a quarter can always be shown


def max_days(issues: int) -> int:
    """The longest range (days) a request may cover on a board of ``issues`` issues."""
    return max(MIN_DAYS, min(MAX_DAYS, ISSUE_DAYS // max(issues, 1)))


def clamp_range(params: ViewParams, today: date, issues: int = 0) -> tuple[ViewParams, list[str]]:
    """``params`` with ``from`` cut to ``max_days(issues)`` before the effective end
    (``to``, or ``today`` when ``to`` is not given), and a notice in words when it was."""
    end = params.end or today
    longest = max_days(issues)
    if params.start is None or (end - params.start).days <= longest:
        return params, []
    start = end - timedelta(days=longest)
    if longest == MAX_DAYS:
        why = f"The range was cut to the {MAX_DAYS // 366} years from {start} to {end}."
    else:
        why = (
            f"The range was cut to the {longest} days from {start} to {end}: with "
            f"{issues:,} issues a longer range costs too much to compute at once."
        )
    return replace(params, start=start), [why]


@dataclass
class Parsed:
    params: ViewParams
    notices: list[str] = field(default_factory=list)


def _text(value: object) -> str | None:
    """A scalar as text: strings as they are (lone surrogates, which JSON can carry but
    UTF-8 cannot, become ``?``), numbers written out, anything else (dicts, booleans, None
    from a hostile callback body) None."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _one(value: object) -> str | None:
    if isinstance(value, list | tuple):
        return _text(value[-1]) if value else None
    return _text(value)


def _many(value: object) -> tuple[str, ...]:
    """Distinct non-empty values (at most ``MAX_LIST``, each at most ``MAX_VALUE``
    characters) of a comma-separated string or a list of them. Linear in the input and
    stops early: a request with 60,000 values costs no more than one with 200."""
    if isinstance(value, list | tuple):
        parts = [_text(v) for v in value[:MAX_PARTS]]
    else:
        parts = [_text(value)]
    seen: dict[str, None] = {}
    budget = MAX_PARTS
    for part in parts:
        if part is None:
            continue
        for item in part.split(",", budget)[:budget]:
            budget -= 1
            item = item.strip()[:MAX_VALUE]
            if item:
                seen.setdefault(item)
            if len(seen) >= MAX_LIST or budget <= 0:
                return tuple(seen)
    return tuple(seen)


def _choice(
    raw: str | None, allowed: Sequence[str], name: str, default: str, notices: list[str]
) -> str:
    if raw is None or raw == "":
        return default
    if raw in allowed:
        return raw
    notices.append(
        f"Ignored {name}={_show(raw)}: use one of {', '.join(allowed)}. Showing {default}."
    )
    return default


def _show(raw: str) -> str:
    return repr(raw[:40] + ("…" if len(raw) > 40 else ""))


def _date(raw: str | None, name: str, notices: list[str]) -> date | None:
    if raw is None or raw == "":
        return None
    try:
        day = date.fromisoformat(raw[:40])
    except ValueError:
        notices.append(f"Ignored {name}={_show(raw)}: dates are written YYYY-MM-DD.")
        return None
    if not FIRST_DATE <= day <= LAST_DATE:
        bound = FIRST_DATE if day < FIRST_DATE else LAST_DATE
        notices.append(f"Showing {name}={bound}: dates run from {FIRST_DATE} to {LAST_DATE}.")
        return bound
    return day


def _number(
    query: Mapping[str, str | Sequence[str] | None],
    name: str,
    low: int,
    high: int,
    default: int,
    what: str,
    notices: list[str],
) -> int:
    raw = _one(query.get(name))
    if raw in (None, ""):
        return default
    if _NUMBER.match(raw) and low <= int(raw) <= high:
        return int(raw)
    notices.append(
        f"Ignored {name}={_show(raw)}: use {what} from {low} to {high}. Showing {default}."
    )
    return default


def parse(query: Mapping[str, str | Sequence[str] | None]) -> Parsed:
    """Parse a query mapping (single values or lists). Never raises."""
    notices: list[str] = []
    board = _one(query.get("board"))
    if board is not None and not _SLUG.match(board):
        notices.append(f"Ignored board={_show(board)}: not a board name.")
        board = None
    start = _date(_one(query.get("from")), "from", notices)
    end = _date(_one(query.get("to")), "to", notices)
    if start and end and start > end:
        notices.append(f"Ignored from={start} because it is after to={end}.")
        start = None
    if start and end and (end - start).days > MAX_DAYS:
        notices.append(f"The range was cut to the last {MAX_DAYS // 366} years before to={end}.")
        start = end - timedelta(days=MAX_DAYS)
    window = None
    raw_window = _one(query.get("window"))
    if raw_window not in (None, ""):
        if _DIGITS.match(raw_window) and 1 <= int(raw_window) <= 52:
            window = int(raw_window)
        else:
            notices.append(
                f"Ignored window={_show(raw_window)}: use a number of weeks from 1 to 52."
            )
    quarters = 4
    raw_quarters = _one(query.get("quarters"))
    if raw_quarters not in (None, ""):
        if _DIGITS.match(raw_quarters) and int(raw_quarters) in QUARTERS:
            quarters = int(raw_quarters)
        else:
            notices.append(f"Ignored quarters={_show(raw_quarters)}: use 4, 6 or 8.")
    sample = _number(query, "sample", *SAMPLE_WEEKS, DEFAULT_SAMPLE, "a number of weeks", notices)
    items = _number(query, "items", 1, MAX_ITEMS, DEFAULT_ITEMS, "a number of items", notices)
    by = _date(_one(query.get("by")), "by", notices)
    raw_tags = _one(query.get("tags"))
    if raw_tags not in (None, "", "0", "1"):
        notices.append(f"Ignored tags={_show(raw_tags)}: use 1 to show git tags, 0 to hide them.")
    relative = _relative(_one(query.get("range")), notices)
    if relative and (start or end):
        notices.append(f"Showing range={relative} (it moves with today); from and to were ignored.")
        start = end = None
    params = ViewParams(
        board=board,
        source=_choice(_one(query.get("source")), SOURCES, "source", "jira", notices),
        start=start,
        end=end,
        types=tuple(t[:100] for t in _many(query.get("types"))),
        repos=_many(query.get("repos")),
        window=window,
        lines=_choice(_one(query.get("lines")), LINES, "lines", "rolling", notices),
        tags=raw_tags == "1",
        leadtime=_choice(_one(query.get("leadtime")), LEADTIME, "leadtime", "overall", notices),
        backlog=_choice(_one(query.get("backlog")), BACKLOG, "backlog", "absolute", notices),
        quarters=quarters,
        sample=sample,
        by=by,
        items=items,
        relative=relative,
        bands=_choice(_one(query.get("bands")), BANDS, "bands", "all", notices),
    )
    return Parsed(params, notices)


def relative_dates(relative: str, today: date) -> tuple[date, date]:
    """First and last day of a relative range ending ``today`` (see ``_RELATIVE``);
    never longer than MAX_DAYS."""
    match = _RELATIVE.match(relative)
    if not match:
        raise ValueError(f"not a relative range: {relative!r}")
    if relative == "qtd":
        start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    elif relative == "ytd":
        start = date(today.year, 1, 1)
    elif relative == "all":
        start = today - timedelta(days=MAX_DAYS)
    else:
        n, unit = int(match.group(1)), match.group(2)
        if unit == "y":
            n = min(n, MAX_DAYS // 365 + 1)  # longer is cut to MAX_DAYS below
            year = today.year - n
            start = (
                date(year, today.month, 28)
                if (today.month, today.day) == (2, 29)
                else today.replace(year=year)
            ) + timedelta(days=1)
        else:
            start = today - timedelta(days=n * (7 if unit == "w" else 1) - 1)
    return max(start, today - timedelta(days=MAX_DAYS)), today


def _relative(raw: str | None, notices: list[str]) -> str | None:
    if raw in (None, ""):
        return None
    match = _RELATIVE.match(raw)
    if match and (match.group(1) is None or int(match.group(1)) >= 1):
        return raw
    notices.append(
        f"Ignored range={_show(raw)}: use a number of days, weeks or years (90d, 26w, 1y),"
        " qtd, ytd or all."
    )
    return None


def with_changes(params: ViewParams, **changes: object) -> ViewParams:
    return replace(params, **changes)


def from_shared_controls(board, source, start, end, types, repos, relative=None) -> ViewParams:
    """The view of the controls every data page shares (board, source, dates, work
    types, repositories), validated exactly like a URL."""
    return parse(shared_controls_query(board, source, start, end, types, repos, relative)).params


def shared_controls_query(board, source, start, end, types, repos, relative=None) -> dict:
    """The query the shared controls stand for (what :func:`from_shared_controls` parses)."""
    return {
        "board": board,
        "source": source,
        "from": start,
        "to": end,
        "types": types or [],
        "repos": repos or [],
        "range": relative if relative in RANGE_PRESETS else None,
    }
