"""``vger team`` and ``vger board``: configure teams and boards from the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from vger.cli_common import engine_for as _engine
from vger.cli_common import pass_settings

if TYPE_CHECKING:
    from vger.config import Settings


@click.group()
def team() -> None:
    """Teams: name, time zone, fiscal-year start."""


@team.command("add")
@click.argument("slug")
@click.option("--name", default=None, help="Display name (default: the slug).")
@click.option("--tz", default="UTC", show_default=True, help="IANA time zone, e.g. Europe/Berlin.")
@click.option(
    "--fiscal-start",
    default=1,
    show_default=True,
    type=click.IntRange(1, 12),
    help="Month the fiscal year starts.",
)
@pass_settings
def team_add(settings: Settings, slug: str, name: str | None, tz: str, fiscal_start: int) -> None:
    """Create a team."""
    from vger.store import teams

    with _engine(settings).begin() as conn:
        teams.add_team(conn, slug, name, tz=tz, fiscal_start_month=fiscal_start)
    click.echo(f"Team {slug} created.")


@team.command("list")
@pass_settings
def team_list(settings: Settings) -> None:
    """List teams with their time zone, fiscal-year start and number of boards."""
    from vger.store import boards, teams

    with _engine(settings).connect() as conn:
        all_teams = teams.list_teams(conn)
        per_team: dict[str, int] = {}
        for b in boards.list_boards(conn):
            per_team[b.team_slug] = per_team.get(b.team_slug, 0) + 1
    if not all_teams:
        click.echo("No teams yet: vger team add SLUG --name NAME --tz Europe/Berlin")
        return
    _table(
        ("TEAM", "NAME", "TIME ZONE", "FISCAL START", "BOARDS"),
        [
            (
                t["slug"],
                t["name"],
                t["tz"],
                str(t["fiscal_start_month"]),
                str(per_team.get(t["slug"], 0)),
            )
            for t in all_teams
        ],
    )


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Rows under a header, columns padded to their widest cell (the last one is not)."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = [str(c).ljust(w) for c, w in zip(row[:-1], widths[:-1], strict=True)]
        click.echo("  ".join([*cells, str(row[-1])]))


@click.group()
def board() -> None:
    """Boards: JQL, Jira board, repositories."""


@board.command("add")
@click.argument("slug")
@click.option("--team", "team_slug", required=True, help="Slug of the team the board belongs to.")
@click.option("--name", default=None)
@click.option("--jql", required=True, help='Issues of the board, e.g. "project = ABC".')
@click.option(
    "--jira-board",
    "jira_board_id",
    type=int,
    default=None,
    help="Jira board id: its columns become the work states.",
)
@click.option("--repo", "repos", multiple=True, help="GitHub repository owner/name (repeatable).")
@click.option("--subtasks/--no-subtasks", default=False, help="Count sub-tasks too.")
@click.option("--working-days/--calendar-days", default=False, help="Lead times in working days.")
@click.option(
    "--review-lead-time/--no-review-lead-time",
    default=False,
    help="Lead time from the first linked pull request when it was opened before the start.",
)
@pass_settings
def board_add(
    settings: Settings,
    slug: str,
    team_slug: str,
    name: str | None,
    jql: str,
    jira_board_id: int | None,
    repos: tuple[str, ...],
    subtasks: bool,
    working_days: bool,
    review_lead_time: bool,
) -> None:
    """Create a board. When Jira is configured, the JQL is checked against it first, with
    the same check and words as the admin page."""
    from etl.jira_validate import jql_verdict, validate_jql
    from vger.store import boards

    error, warning = jql_verdict(validate_jql(settings, jql))
    if error:
        raise click.ClickException(error)
    with _engine(settings).begin() as conn:
        board_id = boards.add_board(
            conn,
            slug,
            team_slug,
            name=name,
            jql=jql,
            jira_board_id=jira_board_id,
            include_subtasks=subtasks,
            working_days=working_days,
            review_lead_time=review_lead_time,
            browse_url=settings.jira_url,
        )
        for full_name in repos:
            boards.add_repo(conn, board_id, full_name)
    if warning:
        click.echo(warning, err=True)
    click.echo(f"Board {slug} created. Run `vger etl --board {slug}` to fill it.")


@board.command("list")
@pass_settings
def board_list(settings: Settings) -> None:
    """List boards with their team, issue count and JQL."""
    from vger.store import boards

    with _engine(settings).connect() as conn:
        rows = boards.list_boards(conn)
        counts = {b.slug: boards.issue_count(conn, b.id) for b in rows}
    if not rows:
        click.echo("No boards yet: vger team add SLUG, then vger board add SLUG --team T --jql ...")
        return
    _table(
        ("BOARD", "TEAM", "ISSUES", "JQL"),
        [(b.slug, b.team_slug, str(counts[b.slug]), b.jql) for b in rows],
    )


@board.command("remove")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_settings
def board_remove(settings: Settings, slug: str, yes: bool) -> None:
    """Delete a board with its issues, work states, repositories and sync runs."""
    from vger.store import boards

    engine = _engine(settings)
    with engine.connect() as conn:
        found = boards.get_board(conn, slug)  # NotFoundError in words
        counts = boards.board_counts(conn, found.id)
    listed = ", ".join(f"{n} {label}" for label, n in counts.items())
    if not yes:
        click.confirm(f"Delete board {slug} ({listed})?", abort=True)
    with engine.begin() as conn:
        boards.delete_board(conn, slug)
    click.echo(f"Board {slug} removed ({listed}).")


@board.command("review")
@click.argument("slug")
@click.option(
    "--on/--off",
    "on",
    required=True,
    default=None,
    help="Lead time from the first linked pull request when opened before the start.",
)
@pass_settings
def board_review(settings: Settings, slug: str, on: bool) -> None:
    """Whether the board's lead time includes code review (issues linked to pull
    requests); the stored lead times are recomputed at once."""
    from vger.store import boards

    with _engine(settings).begin() as conn:
        changed = boards.set_review_lead_time(conn, slug, on)
    state = "includes code review" if on else "starts at the start of the interval"
    click.echo(f"Board {slug}: lead time {state} ({changed} lead times changed).")


@board.command("states")
@click.argument("slug")
@click.option(
    "--working",
    "working",
    multiple=True,
    metavar="STATE",
    help="Mark a work state working (repeatable).",
)
@click.option(
    "--waiting",
    "waiting",
    multiple=True,
    metavar="STATE",
    help="Mark a work state waiting (repeatable).",
)
@pass_settings
def board_states(
    settings: Settings, slug: str, working: tuple[str, ...], waiting: tuple[str, ...]
) -> None:
    """List the board's work states, working or waiting (flow efficiency); --working
    and --waiting change the flags, by state name."""
    from vger.errors import ConfigError
    from vger.store import boards, workflows
    from vger.store import working as flags

    both = sorted(set(working) & set(waiting))
    if both:
        raise ConfigError(f"{', '.join(map(repr, both))} cannot be both working and waiting")
    engine = _engine(settings)
    with engine.begin() as conn:
        found = boards.get_board(conn, slug)
        workflow = workflows.get_workflow(conn, found.id)
        if workflow is None:
            click.echo(
                f"Board {slug} has no work states yet: run `vger etl --board {slug}` or set them under Admin."
            )
            return
        wanted = {**dict.fromkeys(working, True), **dict.fromkeys(waiting, False)}
        current = (
            flags.set_working(conn, found.id, wanted)
            if wanted
            else flags.working_by_name(conn, found.id)
        )
        names = workflows.statuses(conn, found.id)
    interval = range(workflow.interval_start, workflow.interval_end + 1)
    _table(
        ("#", "STATE", "FLAG", "PART", "STATUSES"),
        [
            (
                str(k),
                st.name,
                "working" if current.get(st.name) else "waiting",
                "interval"
                if k in interval
                else ("backlog" if k < workflow.interval_start else "done"),
                ", ".join(sorted(names.get(i, i) for i in st.status_ids)),
            )
            for k, st in enumerate(workflow.states)
        ],
    )
    if wanted:
        click.echo("Flags saved: flow efficiency is recomputed on the next page view.")
