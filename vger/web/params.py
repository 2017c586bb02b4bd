"""The URL contract: parse and write the query string shared by every data page.

Pure: no Flask, no store. One pydantic model, :class:`ViewParams`, holds every
parameter and its rule. :func:`parse` validates a query with it, and there an invalid
value falls back to its default and produces a notice in words (the notices travel in
the validation context); unknown parameters are ignored. Built directly in code, the
same rules refuse an invalid value (a ValidationError) instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from pydantic import TypeAdapter, ValidationInfo, field_validator, model_validator
from pydantic.dataclasses import dataclass as model

from vger.metrics.flow import BANDS  # flow: every band, done hidden, done from zero
from vger.web.query_values import MAX_LIST, MAX_PARTS, MAX_VALUE, many, one

__all__ = ["MAX_LIST", "MAX_PARTS", "MAX_VALUE", "Parsed", "ViewParams", "parse"]

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
_DIGITS = re.compile(r"^[0-9]{1,3}$")
_NUMBER = re.compile(r"^[0-9]{1,6}$")
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
# Relative ranges (``range=``): N days, weeks or years up to today, quarter or year to
# date (calendar), or all (the 10-year cap); they move with the clock.
_RELATIVE = re.compile(r"^(?:([0-9]{1,4})([dwy])|qtd|ytd|all)$")
RANGE_PRESETS = ("90d", "26w", "1y", "qtd", "ytd", "all")


@model(frozen=True)
class ViewParams:
    """Every parameter of a data page. ``start``/``end`` are local dates (team zone).
    Each field takes its typed value, or the text of its URL parameter (see
    :data:`URL_NAMES`)."""

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

    # --- the rules: each takes the typed value or the parameter's text ----------------

    @field_validator("board", mode="before")
    @classmethod
    def _board(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is not None and not (isinstance(value, str) and _SLUG.match(value)):
            return _notice(info, f"Ignored board={_show(value)}: not a board name.")
        return value

    @field_validator("start", "end", "by", mode="before")
    @classmethod
    def _dates(cls, value: Any, info: ValidationInfo) -> date | None:
        name = URL_NAMES[info.field_name or ""]
        if value is None or value == "" or isinstance(value, date):
            day = value or None
        else:
            try:
                day = date.fromisoformat(str(value)[:40])
            except ValueError:
                return _notice(
                    info, f"Ignored {name}={_show(value)}: dates are written YYYY-MM-DD."
                )
        if day is not None and not FIRST_DATE <= day <= LAST_DATE:
            bound = FIRST_DATE if day < FIRST_DATE else LAST_DATE
            _notice(info, f"Showing {name}={bound}: dates run from {FIRST_DATE} to {LAST_DATE}.")
            return bound
        return day

    @field_validator("source", "lines", "leadtime", "backlog", "bands", mode="before")
    @classmethod
    def _choices(cls, value: Any, info: ValidationInfo) -> str:
        name = info.field_name or ""
        allowed, default = CHOICES[name]
        if value is None or value == "":
            return default
        if value in allowed:
            return value
        return _notice(
            info,
            f"Ignored {name}={_show(value)}: use one of {', '.join(allowed)}. Showing {default}.",
            default,
        )

    @field_validator("types", mode="before")
    @classmethod
    def _types(cls, value: Any) -> tuple[str, ...]:
        return tuple(t[:100] for t in value)

    @field_validator("window", mode="before")
    @classmethod
    def _window(cls, value: Any, info: ValidationInfo) -> int | None:
        if value is None or value == "":
            return None
        if _whole(value, _DIGITS) in range(1, 53):
            return int(value)
        return _notice(info, f"Ignored window={_show(value)}: use a number of weeks from 1 to 52.")

    @field_validator("quarters", mode="before")
    @classmethod
    def _quarters(cls, value: Any, info: ValidationInfo) -> int:
        if value is None or value == "":
            return 4
        if _whole(value, _DIGITS) in QUARTERS:
            return int(value)
        return _notice(info, f"Ignored quarters={_show(value)}: use 4, 6 or 8.", 4)

    @field_validator("sample", "items", mode="before")
    @classmethod
    def _numbers(cls, value: Any, info: ValidationInfo) -> int:
        name = info.field_name or ""
        low, high, default, what = NUMBERS[name]
        if value is None or value == "":
            return default
        number = _whole(value, _NUMBER)
        if number is not None and low <= number <= high:
            return number
        return _notice(
            info,
            f"Ignored {name}={_show(value)}: use {what} from {low} to {high}. Showing {default}.",
            default,
        )

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any, info: ValidationInfo) -> bool:
        if isinstance(value, bool):
            return value
        if value not in (None, "", "0", "1"):
            _notice(info, f"Ignored tags={_show(value)}: use 1 to show git tags, 0 to hide them.")
        return value == "1"

    @field_validator("relative", mode="before")
    @classmethod
    def _relative(cls, value: Any, info: ValidationInfo) -> str | None:
        if value is None or value == "":
            return None
        match = _RELATIVE.match(value) if isinstance(value, str) else None
        if match and (match.group(1) is None or int(match.group(1)) >= 1):
            return value
        return _notice(
            info,
            f"Ignored range={_show(value)}: use a number of days, weeks or years (90d, 26w,"
            " 1y), qtd, ytd or all.",
        )

    @model_validator(mode="after")
    def _range(self, info: ValidationInfo) -> ViewParams:
        """``from`` after ``to`` is dropped; a range is at most ``MAX_DAYS`` long; a
        relative range wins over ``from`` and ``to``."""
        start, end = self.start, self.end
        if start and end and start > end:
            _notice(info, f"Ignored from={start} because it is after to={end}.")
            start = None
        if start and end and (end - start).days > MAX_DAYS:
            _notice(info, f"The range was cut to the last {MAX_DAYS // 366} years before to={end}.")
            start = end - timedelta(days=MAX_DAYS)
        if self.relative and (start or end):
            _notice(
                info,
                f"Showing range={self.relative} (it moves with today); from and to were ignored.",
            )
            start = end = None
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        return self

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
        effective end (see :func:`vger.web.range_cap.clamp_range`)."""
        if self.relative:
            start, end = relative_dates(self.relative, today)
            return max(start, end - timedelta(days=MAX_DAYS)), end
        end = self.end or today
        start = self.start or end - timedelta(days=DEFAULT_DAYS - 1)
        return max(start, end - timedelta(days=MAX_DAYS)), end


@dataclass
class Parsed:
    params: ViewParams
    notices: list[str] = field(default_factory=list)


def _show(raw: object) -> str:
    raw = str(raw)
    return repr(raw[:40] + ("…" if len(raw) > 40 else ""))


def _notice(info: ValidationInfo, text: str, default: Any = None) -> Any:
    """In :func:`parse`: note ``text`` and use ``default``. Elsewhere: refuse the value."""
    notices = (info.context or {}).get("notices")
    if notices is None:
        raise ValueError(text)
    notices.append(text)
    return default


def _whole(value: object, pattern: re.Pattern[str]) -> int | None:
    """A whole number: an int, or text that ``pattern`` accepts; else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and pattern.match(value):
        return int(value)
    return None


#: The allowed values and the default of each choice.
CHOICES: dict[str, tuple[Sequence[str], str]] = {
    "source": (SOURCES, "jira"),
    "lines": (LINES, "rolling"),
    "leadtime": (LEADTIME, "overall"),
    "backlog": (BACKLOG, "absolute"),
    "bands": (BANDS, "all"),
}
#: Lowest, highest, default and what of each number with a range.
NUMBERS: dict[str, tuple[int, int, int, str]] = {
    "sample": (*SAMPLE_WEEKS, DEFAULT_SAMPLE, "a number of weeks"),
    "items": (1, MAX_ITEMS, DEFAULT_ITEMS, "a number of items"),
}
#: The URL parameter of each field, where the two names differ.
URL_NAMES: dict[str, str] = {
    **{f.name: f.name for f in fields(ViewParams)},
    "start": "from",
    "end": "to",
    "relative": "range",
}
_LISTS = ("types", "repos")
_ADAPTER = TypeAdapter(ViewParams)


def parse(query: Mapping[str, str | Sequence[str] | None]) -> Parsed:
    """Parse a query mapping (single values or lists) with :class:`ViewParams`'s rules;
    every value refused is a notice. Never raises."""
    notices: list[str] = []
    raw = {
        name: (many if name in _LISTS else one)(query.get(url)) for name, url in URL_NAMES.items()
    }
    return Parsed(_ADAPTER.validate_python(raw, context={"notices": notices}), notices)


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
