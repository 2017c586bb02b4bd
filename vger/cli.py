"""The ``vger`` command: wires settings, store, ETL and web together (click)."""

from __future__ import annotations

import contextlib
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from vger import __version__
from vger.cli_common import engine_for as _engine
from vger.cli_common import pass_settings
from vger.errors import VgerError

if TYPE_CHECKING:
    from vger.config import Settings

log = logging.getLogger("vger")


class VgerGroup(click.Group):
    """Turns a :class:`VgerError` into one clear line and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except VgerError as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:
            if "sqlalchemy" not in sys.modules:  # then it cannot be a store error
                raise
            from sqlalchemy.exc import InterfaceError, OperationalError

            if not isinstance(exc, OperationalError | InterfaceError):
                raise
            from vger.config import mask_text, mask_url

            url = getattr(ctx.obj, "database_url", None) or "the store"
            reason = mask_text(str(getattr(exc, "orig", exc)).strip().splitlines()[0])
            raise click.ClickException(
                f"cannot use the store {mask_url(url)}: {reason} (check VGER_DATABASE_URL)"
            ) from None


def _logging(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


@click.group(cls=VgerGroup)
@click.version_option(__version__, prog_name="vger")
@click.option("-v", "--verbose", count=True, help="More log lines (-v info, -vv debug).")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """Vger: throughput, variation, backlog growth and lead time for your team."""
    _logging(verbose)
    ctx.obj = None  # settings are read when a command runs (help stays instant)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option(
    "--db",
    "db_path",
    default="vger-demo.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="SQLite file the demo data is written to (rebuilt on each start).",
)
@click.option("--seed", default=7, show_default=True, type=int, help="Seed of the team simulator.")
@click.option(
    "--serve/--no-serve", default=True, help="Serve the dashboard after building the demo store."
)
@pass_settings
def demo(settings: Settings, host: str, port: int, db_path: str, seed: int, serve: bool) -> None:
    """Build a demo store of a simulated team (two years) and serve the dashboard."""
    from vger.demo import build_demo

    _port_is_free(host, port)  # before any work, not after building the store
    started = time.perf_counter()
    path = Path(db_path)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    demo_settings = settings.model_copy(update={"database_url": f"sqlite:///{path}"})
    engine = _engine(demo_settings)
    summary = build_demo(engine, seed=seed)
    click.echo(f"Demo store {path}: {summary} ({time.perf_counter() - started:.1f} s)")
    if serve:
        _serve(demo_settings, host, port, debug=False)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False)
@pass_settings
def serve(settings: Settings, host: str, port: int, debug: bool) -> None:
    """Serve the dashboard on the configured store (development server).

    In production: gunicorn 'vger.web:create_app()' -w 2 -b 0.0.0.0:8050
    """
    _port_is_free(host, port)
    _engine(settings)
    _serve(settings, host, port, debug=debug)


def _port_is_free(host: str, port: int) -> None:
    """One clear line when the dashboard could not listen on ``host:port``."""
    import socket

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            sock.bind((host, port))
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}): is another server "
            f"running there? Choose another port with --port."
        ) from None


def _serve(settings: Settings, host: str, port: int, debug: bool) -> None:
    from vger.web import create_app

    app = create_app(settings, single_process=True)  # the development server: one process
    click.echo(f"Vger dashboard on http://{host}:{port}/  (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=debug)


@cli.group()
def db() -> None:
    """The store's schema."""


@db.command("upgrade")
@pass_settings
def db_upgrade(settings: Settings) -> None:
    """Create or migrate the schema to the newest version."""
    from vger.config import mask_url
    from vger.store.db import make_engine, schema_revision, upgrade

    engine = make_engine(settings.database_url)
    before = schema_revision(engine)
    upgrade(engine)
    after = schema_revision(engine)
    where = mask_url(settings.database_url)
    if before is None:
        click.echo(f"Created the schema (revision {after}) in {where}.")
    elif before != after:
        click.echo(f"Migrated the schema from revision {before} to {after} in {where}.")
    else:
        click.echo(f"The schema is up to date (revision {after}) in {where}.")


@cli.group()
def config() -> None:
    """Effective settings."""


@config.command("show")
@pass_settings
def config_show(settings: Settings) -> None:
    """Print the effective settings, secrets masked."""
    for name, value in settings.safe_dict().items():
        click.echo(f"{name} = {value}")


@cli.command()
@click.option("--board", "board_slug", default=None, help="Only this board (default: every board).")
@click.option(
    "--full", is_flag=True, help="Re-sync everything instead of changes since the last run."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Boards synced in parallel.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress bars (default: on a terminal)."
)
@click.option(
    "--every",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.1, 3600),
    help="Seconds between progress lines when there are no bars (cron logs).",
)
@pass_settings
def etl(
    settings: Settings,
    board_slug: str | None,
    full: bool,
    workers: int,
    progress: bool | None,
    every: float,
) -> None:
    """Pull Jira issues and GitHub pull requests and tags into the store."""
    from etl.progress import Heartbeat
    from etl.run import run_etl

    engine = _engine(settings)
    show = sys.stderr.isatty() if progress is None else progress
    if not show:
        logging.getLogger("etl").setLevel(logging.INFO)  # plain log lines instead of bars
    with (
        Heartbeat(every, write=lambda text: click.echo(text, err=True))
        if not show
        else contextlib.nullcontext()
    ):
        report = run_etl(
            engine, settings, board_slug=board_slug, full=full, workers=workers, progress=show
        )
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@cli.command()
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
@pass_settings
def worker(settings: Settings, burst: bool) -> None:
    """Run the syncs queued by the admin's "Sync now" (RQ on VGER_QUEUE_URL)."""
    from vger.config import mask_url

    if not settings.queue_url:
        raise click.ClickException(
            "VGER_QUEUE_URL is not set: without a queue the admin syncs in its own process "
            "and no worker is needed"
        )
    from redis import Redis
    from redis.exceptions import RedisError
    from rq import Queue, Worker

    _engine(settings).dispose()  # the store exists and is migrated before any job runs
    connection = Redis.from_url(settings.queue_url)
    try:
        connection.ping()
    except RedisError as exc:
        raise click.ClickException(
            f"cannot reach the job queue at {mask_url(settings.queue_url)}: "
            f"{type(exc).__name__} (check VGER_QUEUE_URL)"
        ) from None
    queue = Queue(settings.queue_name, connection=connection)
    logging.getLogger("etl").setLevel(logging.INFO)
    Worker([queue], connection=connection).work(burst=burst)


from vger.cli_config import board, team  # noqa: E402  (command groups defined in their own module)

cli.add_command(team)
cli.add_command(board)
