"""``vger team`` and ``vger board``: configure teams and boards from the command line."""

from __future__ import annotations

import click

from vger.config import Settings


def _engine(settings: Settings):
    from vger.store.db import make_engine, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine


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
@click.pass_obj
def team_add(settings: Settings, slug: str, name: str | None, tz: str, fiscal_start: int) -> None:
    """Create a team."""
    from vger.store import boards

    with _engine(settings).begin() as conn:
        boards.add_team(conn, slug, name, tz=tz, fiscal_start_month=fiscal_start)
    click.echo(f"Team {slug} created.")


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
@click.pass_obj
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
    """Create a board."""
    from vger.store import boards

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
    click.echo(f"Board {slug} created. Run `vger etl --board {slug}` to fill it.")


@board.command("list")
@click.pass_obj
def board_list(settings: Settings) -> None:
    """List boards with their team, issue count and JQL."""
    from vger.store import boards

    with _engine(settings).connect() as conn:
        rows = boards.list_boards(conn)
        if not rows:
            click.echo(
                "No boards yet: vger team add SLUG, then vger board add SLUG --team T --jql ..."
            )
        for b in rows:
            click.echo(f"{b.slug}\t{b.team_slug}\t{boards.issue_count(conn, b.id)} issues\t{b.jql}")


@board.command("remove")
@click.argument("slug")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def board_remove(settings: Settings, slug: str, yes: bool) -> None:
    """Delete a board with its issues, work states, repositories and sync runs."""
    from vger.store import boards
    from vger.store import edits as ops

    engine = _engine(settings)
    with engine.connect() as conn:
        found = boards.get_board(conn, slug)  # NotFoundError in words
        counts = ops.board_counts(conn, found.id)
    listed = ", ".join(f"{n} {label}" for label, n in counts.items())
    if not yes:
        click.confirm(f"Delete board {slug} ({listed})?", abort=True)
    with engine.begin() as conn:
        ops.delete_board(conn, slug)
    click.echo(f"Board {slug} removed ({listed}).")
