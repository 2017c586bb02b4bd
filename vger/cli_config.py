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
