"""What every ``vger`` command shares: settings read on first use, the store's engine.

Nothing heavy is imported at module level, so ``vger --help`` and every subcommand's help
answer at once; settings are read only when a command actually runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from vger.config import Settings


def settings_of(ctx: click.Context) -> Settings:
    """The run's settings (from the environment and ``.env``), read once per invocation."""
    root = ctx.find_root()
    if root.obj is None:
        from vger.config import Settings

        root.obj = Settings()
    return root.obj


def pass_settings(command: Callable[..., Any]) -> Callable[..., Any]:
    """Like ``click.pass_obj``, but the settings are read only when the command runs."""

    @functools.wraps(command)
    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        return command(settings_of(ctx), *args, **kwargs)

    return wrapper


def engine_for(settings: Settings) -> Engine:
    """The store's engine with its schema migrated to the newest version."""
    from vger.store.db import make_engine, upgrade

    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine
