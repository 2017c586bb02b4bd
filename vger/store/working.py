"""Working / waiting flags of a board's work states (flow efficiency).

Kept apart from the work-state CRUD: the flags are read by position and written by
state name. Nothing stored is derived from them (flow efficiency is computed from the
per-state times derived on write), and writing them changes
:func:`vger.store.queries.data_version`, so every cached chart is recomputed.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, select, update

from vger.errors import ConfigError
from vger.metrics.efficiency import default_working
from vger.store import schema as s


def working_flags(conn: Connection, board_id: int) -> dict[int, bool]:
    """Work-state position -> working? for the board (empty without work states)."""
    ws = s.work_state
    rows = conn.execute(
        select(ws.c.position, ws.c.working).where(ws.c.board_id == board_id).order_by(ws.c.position)
    )
    return {int(p): bool(w) for p, w in rows}


def working_by_name(conn: Connection, board_id: int) -> dict[str, bool]:
    """Work-state name -> working?, in board order."""
    ws = s.work_state
    rows = conn.execute(
        select(ws.c.name, ws.c.working).where(ws.c.board_id == board_id).order_by(ws.c.position)
    )
    return {str(n): bool(w) for n, w in rows}


def set_working(conn: Connection, board_id: int, flags: Mapping[str, bool]) -> dict[str, bool]:
    """Set the flags of the named work states (others keep theirs); returns every
    state's flag by name. An unknown name is a :class:`ConfigError`."""
    current = working_by_name(conn, board_id)
    unknown = sorted(set(flags) - set(current))
    if unknown:
        raise ConfigError(
            f"no work state {', '.join(map(repr, unknown))}: the board has {', '.join(map(repr, current)) or 'none'}"
        )
    ws = s.work_state
    for name, value in flags.items():
        if current[name] != bool(value):
            conn.execute(
                update(ws)
                .where(ws.c.board_id == board_id, ws.c.name == name)
                .values(working=bool(value))
            )
    return working_by_name(conn, board_id)


def apply_defaults(conn: Connection, board_id: int, kept: Mapping[str, bool]) -> None:
    """After the work states were replaced: a state named in ``kept`` (the flags before)
    keeps its flag; on a board that had no states, the Jira-column defaults apply (the
    first and last state waiting); a state added to an existing board is working."""
    names = list(working_by_name(conn, board_id))
    defaults = default_working(len(names)) if not kept else (True,) * len(names)
    wanted = {n: bool(kept.get(n, d)) for n, d in zip(names, defaults, strict=True)}
    set_working(conn, board_id, wanted)
