"""What every view shares: the board a request shows (:func:`choose_board`), the team's
local date, the cache key of a view, the page preamble (:func:`page_start`), the
never-raising render of a page's callback (:func:`safe_render`) and the request's view
for the CSV and JSON routes (:func:`request_view`, :func:`request_choice`).

The only place the web layer reads the clock (``now`` is passed in by callers).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html
from flask import abort, request
from sqlalchemy import Connection
from sqlalchemy.exc import InterfaceError, OperationalError

from vger.errors import NotFoundError
from vger.store import boards, queries, sync, workflows
from vger.store.boards import Board
from vger.web import cache, state
from vger.web.components import (
    board_list,
    board_picker,
    checklist,
    item_filters,
    page_frame,
    source_picker,
)
from vger.web.export import (
    csv_response,
    json_head,
    json_response,
    not_found_json,
    request_paging,
)
from vger.web.params import (
    Parsed,
    ViewParams,
    parse,
)
from vger.web.range_cap import MIN_DAYS, clamp_range
from vger.web.ranges import range_fields
from vger.web.views.outputs import first_draw

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class BoardChoice:
    """The board a page shows, its options, and notices about the parameters."""

    board: Board
    params: ViewParams
    work_types: dict[str, list[str]]
    repos: dict[str, int]
    notices: list[str] = field(default_factory=list)


def choose_board(conn: Connection, params: ViewParams, now: datetime | None = None) -> BoardChoice:
    """Resolve the board (the first one when none is named), drop unknown work types and
    repositories with a notice, and cut the range to ``MAX_DAYS`` before its effective
    end in the board's zone (``now``: the app's clock by default). Raises NotFoundError
    for an unknown board."""
    all_boards = state.request_boards(conn)
    if not all_boards:
        raise NotFoundError(
            "There are no boards yet. Run `vger demo` for a demo store, or add a board (`vger board add`)."
        )
    board = (
        next((b for b in all_boards if b.slug == params.board), None)
        if params.board
        else all_boards[0]
    )
    if board is None:
        raise NotFoundError(f"There is no board named {params.board!r}.")
    notices: list[str] = []
    work_types = workflows.work_types(conn, board.id)
    repos = boards.repos(conn, board.id)
    types = tuple(t for t in params.types if t in work_types)
    for unknown in sorted(set(params.types) - set(types)):
        notices.append(
            f"Ignored work type {unknown!r}: board {board.slug} has {', '.join(work_types) or 'no work types'}."
        )
    chosen_repos = tuple(r for r in params.repos if r in repos)
    for unknown in sorted(set(params.repos) - set(chosen_repos)):
        notices.append(f"Ignored repository {unknown!r}: not a repository of board {board.slug}.")
    params = ViewParams(
        **{**params.__dict__, "board": board.slug, "types": types, "repos": chosen_repos}
    )
    today = local_today(board.tz, now or state.now())
    start, end = params.dates(today)
    # the board's size matters only for ranges longer than a quarter (see max_days)
    issues = boards.issue_count(conn, board.id) if (end - start).days > MIN_DAYS else 0
    params, cut = clamp_range(params, today, issues)
    notices.extend(cut)
    progress = sync.first_sync_progress(conn, board.id) if params.source == "jira" else None
    if progress is not None:
        loaded, expected = progress
        notices.append(
            f"First sync not finished: {loaded} of {expected} issues loaded."
            if expected is not None
            else f"First sync not finished: {loaded} issues loaded so far."
        )
    return BoardChoice(board, params, work_types, repos, notices)


def local_today(tz: str, now: datetime) -> date:
    return pd.Timestamp(now).tz_convert(tz).date()


def view_key(conn: Connection, choice: BoardChoice, now: datetime) -> tuple:
    """What a view of ``choice`` depends on: the board and its settings, work types,
    repositories, the query string, the team's local date and the data version."""
    board = choice.board
    return (
        board,
        sorted(choice.work_types.items()),
        sorted(choice.repos.items()),
        choice.params.to_query(),
        local_today(board.tz, now),
        queries.data_version(conn, board.id),
    )


def board_items(conn: Connection, choice: BoardChoice) -> pd.DataFrame:
    board, params = choice.board, choice.params
    if params.source == "github":
        return queries.pull_items(conn, board, params.repos or None)
    return queries.issue_items(conn, board, params.types or None)


def missing_data_message(choice: BoardChoice, stored: int) -> str | None:
    """The sentence for a board with nothing stored (never synced, no repositories)."""
    if stored:
        return None
    board = choice.board
    if choice.params.source == "github":
        if not choice.repos:
            return f"Board {board.name} has no GitHub repositories. Add one under Admin, then sync."
        return f"No pull requests are stored for board {board.name} yet: run a sync (`vger etl --board {board.slug}`)."
    if choice.params.types:
        return (
            f"Board {board.name} has no issues of the work types {', '.join(choice.params.types)}: "
            "choose other work types."
        )
    return f"No issues are stored for board {board.name} yet: run a sync (`vger etl --board {board.slug}`)."


def unit(choice: BoardChoice) -> str:
    github = choice.params.source == "github"
    return "working days" if choice.board.working_days and not github else "days"


def local_naive(instants: pd.Series, tz: str) -> pd.Series:
    return pd.to_datetime(instants, utc=True).dt.tz_convert(tz).dt.tz_localize(None)


@dataclass
class Start:
    """What a page's layout starts from: the parsed query, the board shown and its
    options, every board (for the picker) and the team's local date."""

    parsed: Parsed
    choice: BoardChoice
    boards: list[Board]
    today: date

    @property
    def params(self) -> ViewParams:
        return self.choice.params

    @property
    def notices(self) -> list[str]:
        """The query's notices, then the board's."""
        return self.parsed.notices + self.choice.notices

    def frame(self, prefix: str, what: str | None, *body, stores=()) -> html.Div:
        """The page: :func:`vger.web.components.page_frame` with the title ("Team ·
        Board · what") and the notices, then ``body``."""
        return page_frame(prefix, self.title(what), self.notices, *body, stores=stores)

    def pickers(self, prefix: str) -> list:
        """The board and source pickers the data pages' controls start with."""
        return [
            board_picker(prefix, self.boards, self.params.board),
            source_picker(prefix, self.params.source),
        ]

    def control_row(self, prefix: str, *extra) -> dbc.Row:
        """The controls of a data page: board and source pickers, From and To with the
        range presets, then ``extra`` controls of the page."""
        start, end = self.params.dates(self.today)
        fields = range_fields(prefix, self.params, start, end)
        return dbc.Row([*self.pickers(prefix), *fields, *extra], className="g-2 mb-2")

    def one_filter_row(self, prefix: str, kind: str) -> dbc.Row:
        """The filter of a page about one source's items, ``kind`` "types" (Jira issues)
        or "repos" (pull requests): shown, with its label, only when the page's source is
        that source; both lists stay in the page so callbacks keep their inputs."""
        c, p = self.choice, self.params
        shown = (p.source == "github") == (kind == "repos")
        label = "Repositories" if kind == "repos" else "Work types"
        return dbc.Row(
            dbc.Col(
                [
                    dbc.Label(label, style={"display": "block" if shown else "none"}),
                    checklist(f"{prefix}-types", c.work_types, p.types, shown and kind == "types"),
                    checklist(f"{prefix}-repos", c.repos, p.repos, shown and kind == "repos"),
                ]
            ),
            className="g-2 mb-3",
        )

    def filter_row(self, prefix: str) -> dbc.Row:
        """The work-type and repository filters (one shown, by source) in a row."""
        c, p = self.choice, self.params
        filters = item_filters(
            prefix, c.work_types, c.repos, p.types, p.repos, p.source == "github"
        )
        return dbc.Row(dbc.Col([*filters]), className="g-2 mb-3")

    def title(self, what: str | None = None) -> str:
        """ "Team · Board" and, when given, " · what"."""
        board = self.choice.board
        return f"{board.team_name} · {board.name}" + (f" · {what}" if what else "")


def page_start(query: dict, path: str) -> Start | html.Div:
    """The preamble of every data page's layout: parse the query, choose its board (the
    first when none is named), and answer an unknown board (or none at all) with the
    list of boards, each linking to ``path``."""
    parsed = parse(query)
    with state.engine().connect() as conn:
        all_boards = state.request_boards(conn)
        try:
            choice = choose_board(conn, parsed.params)
        except NotFoundError as exc:
            return board_list(all_boards, "Boards", str(exc), page=path)
    return Start(parsed, choice, all_boards, local_today(choice.board.tz, state.now()))


def page_layout(path: str) -> Callable[[Callable[[Start], object]], Callable[..., object]]:
    """Decorate ``build(head)`` into a page's ``layout(**query)``: :func:`page_start`
    first, then ``build`` with its :class:`Start` (the list of boards when there is none),
    then the page's first draw (:func:`page_callback`) filled in."""

    def decorate(build: Callable[[Start], object]) -> Callable[..., object]:
        @functools.wraps(build)
        def layout(**query):
            head = page_start(query, path)
            return first_draw(path, build(head)) if isinstance(head, Start) else head

        return layout

    return decorate


UNEXPECTED = "Something went wrong while computing this view; the error was logged."


def safe_render(
    params,
    compute: Callable[[Any, Any, Any], Any],
    outputs: Callable[[Any], Any],
    failed: Callable[[str], Any],
    *,
    cache_as: str | None = None,
) -> Any:
    """A page's outputs for ``params``, never an exception: ``compute(conn, choice, now)``
    reads the store, ``outputs(data)`` builds what the page shows, and ``failed(message)``
    says in words what went wrong (an unknown board, an unreachable store, a bug).

    ``cache_as``: the outputs are cached under that name per :func:`view_key` (what the
    numbers depend on), as the data is: building Plotly figures is most of a warm page
    load's server time (the quadrant's four: ~0.15 CPU-s). Only for an ``outputs`` that
    is a function of ``data`` alone; failures are never cached."""
    try:
        with state.engine().connect() as conn:
            choice, now = choose_board(conn, params), state.now()
            if cache_as is None:
                return outputs(compute(conn, choice, now))
            return cache.cached(
                f"{cache_as}:shown",
                view_key(conn, choice, now),
                lambda: outputs(compute(conn, choice, now)),
            )
    except NotFoundError as exc:
        return failed(str(exc))
    except (OperationalError, InterfaceError):
        log.exception("store unreachable for %s", params.to_query())
        return failed("The store cannot be reached right now; try again in a minute.")
    except Exception:  # noqa: BLE001 - a page never shows a stack trace
        log.exception("%s failed for %s", getattr(compute, "__name__", "page"), params.to_query())
        return failed(UNEXPECTED)


def request_view(
    compute: Callable[[Connection, BoardChoice, datetime], T],
) -> tuple[Parsed, BoardChoice, T]:
    """Parse the request's query string, choose its board and compute the view with
    ``compute(conn, choice, now)``. Raises NotFoundError for an unknown board."""
    parsed = parse(request.args.to_dict(flat=False))
    with state.engine().connect() as conn:
        choice = choose_board(conn, parsed.params)
        return parsed, choice, compute(conn, choice, state.now())


def request_choice(conn: Connection) -> BoardChoice:
    """The board of the request's query string; an unknown board is a 404 that lists
    the boards there are."""
    try:
        return choose_board(conn, parse(request.args.to_dict(flat=False)).params)
    except NotFoundError as exc:
        slugs = ", ".join(b.slug for b in state.request_boards(conn))
        abort(404, description=f"{exc} Boards: {slugs or 'none yet'}.")


def range_csv(compute: Callable[[Connection, BoardChoice, datetime], Any], body, name: str):
    """The CSV ``body(data)`` of the request's view data (``compute``), named
    ``vger-<board>-<source>-<name>-<from>-<to>.csv``; an unknown board or a view without
    data is a 404 in words."""
    try:
        _, choice, data = request_view(compute)
    except NotFoundError as exc:
        abort(404, description=str(exc))
    if data.empty_message:
        abort(404, description=data.empty_message)
    span = f"{data.first_day}-{data.last_day}"
    return csv_response(
        body(data), f"vger-{choice.board.slug}-{choice.params.source}-{name}-{span}.csv"
    )


def range_json(
    compute: Callable[[Connection, BoardChoice, datetime], Any],
    body,
    extra=None,
    *,
    paged: bool = False,
):
    """The JSON twin of :func:`range_csv`: the board head, source, range, ``extra(data)``
    and ``rows`` (the CSV's records), or ``empty`` (words) when the view has no data.
    ``paged``: the rows come a page at a time (``page``, ``limit``, ``pages``,
    ``rows_total``: :class:`vger.web.export.Paging`), for views of thousands of rows."""
    try:
        parsed, choice, data = request_view(compute)
    except NotFoundError as exc:
        return not_found_json(exc)
    message = data.empty_message
    head = json_head(choice, parsed)
    if paged:
        rows = request_paging(head["notices"]).of(pd.DataFrame() if message else body(data))
    else:
        rows = {"rows": [] if message else body(data).to_dict("records")}
    return json_response(
        {
            **head,
            "source": choice.params.source,
            "from": data.first_day.isoformat(),
            "to": data.last_day.isoformat(),
            **({} if message or extra is None else extra(data)),
            **rows,
            "empty": message,
        }
    )
