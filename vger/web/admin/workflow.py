"""Admin: a board's work types (groups of issue types) and work states (ordered groups
of Jira statuses and the lead-time interval)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from vger.errors import ConfigError, VgerError
from vger.store import boards as store_boards
from vger.store import workflows, working
from vger.store.issues import issue_types, rederive_board
from vger.web import state
from vger.web.admin import bp
from vger.web.admin.common import board_or_404, services
from vger.web.admin.forms import WorkStatesForm, status_rows


@bp.route("/boards/<slug>/work-types", methods=["GET", "POST"])
def work_types(slug: str):
    with state.engine().connect() as conn:
        b = board_or_404(conn, slug)
        groups = workflows.work_types(conn, b.id)
        seen = issue_types(conn, b.id)
    group_of = {t: name for name, types in groups.items() for t in types}
    all_types = sorted(set(seen) | set(group_of))
    error = None
    if request.method == "POST":
        new_groups: dict[str, list[str]] = {}
        posted = {t: request.form.get(f"type__{t}", "").strip() for t in all_types}
        extra_type = request.form.get("new_type", "").strip()
        extra_group = request.form.get("new_group", "").strip()
        if extra_type:
            posted[extra_type] = extra_group or extra_type
        try:
            for issue_type, name in posted.items():
                if not name:
                    continue
                if len(name) > 100 or len(issue_type) > 100:
                    raise ConfigError("work type and issue type names are at most 100 characters")
                if "," in name:
                    raise ConfigError(
                        f"the work type {name!r} contains a comma, which the types= parameter uses as separator"
                    )
                new_groups.setdefault(name, []).append(issue_type)
            with state.engine().begin() as conn:
                workflows.set_work_types(conn, b.id, new_groups)
            flash("Work types saved.", "success")
            return redirect(url_for("admin.work_types", slug=slug))
        except VgerError as exc:
            error = str(exc)
            group_of = posted
            all_types = sorted(posted)
    return render_template(
        "admin/work_types.html",
        board=b,
        types=all_types,
        group_of=group_of,
        seen=set(seen),
        error=error,
    ), 400 if error else 200


def _workflow_rows(workflow, flags: dict[str, bool] | None = None) -> list[dict]:
    if workflow is None:
        return []
    return [
        {
            "name": st.name,
            "order": k + 1,
            "ids": sorted(st.status_ids),
            "working": (flags or {}).get(st.name, True),
        }
        for k, st in enumerate(workflow.states)
    ]


def _named_rows(form: WorkStatesForm) -> list[tuple[str, Any]]:
    """(row number, row) of the rows with a name, sorted by their order (a row without
    one takes its place), or ConfigError for the first field in error."""
    for row in form.states:
        for field in (row.form.name, row.form.order):
            if field.errors:
                raise ConfigError(field.errors[0])
    rows = [
        (row.form.order.parsed if row.form.order.parsed is not None else k + 1.0, k, row.form)
        for k, row in enumerate(form.states)
        if row.form.name.data
    ]
    if not rows:
        raise ConfigError("give at least one work state")
    rows.sort(key=lambda r: (r[0], r[1]))
    names = [row.name.data for _, _, row in rows]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ConfigError(f"work state names must be unique: {', '.join(dup)} appear twice")
    return [(str(k), row) for _, k, row in rows]


def _members(position_of_row: dict[str, int], chosen: dict[str, str]) -> list[list[str]]:
    """The status ids of each state, from each status's chosen row number."""
    members: list[list[str]] = [[] for _ in position_of_row]
    for sid, value in chosen.items():
        if value in position_of_row:
            members[position_of_row[value]].append(sid)
        elif value and not (value.isascii() and value.isdigit()):
            raise ConfigError(f"unknown work state for status {sid!r}")
    return members


def _states_and_interval(form: WorkStatesForm, status_ids: list[str], posted):
    """The posted table as the store takes it: ``([(state, [status ids])…], (start, end),
    {state: working})``, states sorted by their order, or ConfigError in words."""
    rows = _named_rows(form)
    position_of_row = {k: pos for pos, (k, _) in enumerate(rows)}
    members = _members(position_of_row, status_rows(posted, status_ids))
    try:
        start = position_of_row[str(form.interval_start.data)]
        end = position_of_row[str(form.interval_end.data)]
    except KeyError:
        raise ConfigError(
            "choose the lead-time interval's first and last work state among the named states"
        ) from None
    if start > end:
        raise ConfigError("the lead-time interval must start at or before the state it ends at")
    names = [row.name.data for _, row in rows]
    working_of = {row.name.data: row.working.data for _, row in rows}
    return list(zip(names, members, strict=True)), (start, end), working_of


@bp.route("/boards/<slug>/work-states", methods=["GET", "POST"])
def work_states(slug: str):
    with state.engine().connect() as conn:
        b = board_or_404(conn, slug)
        workflow = workflows.get_workflow(conn, b.id)
        known = workflows.statuses(conn, b.id)
        unmapped = workflows.unmapped_statuses(conn, b.id)
        flags = working.working_by_name(conn, b.id)
    rows = _workflow_rows(workflow, flags)
    mapped = {sid for r in rows for sid in r["ids"]}
    status_ids = sorted(set(known) | mapped | set(unmapped), key=lambda x: (len(x), x))
    error = None
    if request.method == "POST":
        action = request.form.get("action", "save")
        try:
            if action == "reset":
                if b.jira_board_id is None:
                    raise ConfigError("the board has no Jira board id to read columns from")
                states, interval = services().board_workflow(state.settings(), b.jira_board_id)
                message = f"Work states reset to the columns of Jira board {b.jira_board_id}."
            else:
                form = WorkStatesForm(request.form)
                form.validate()
                states, interval, working_of = _states_and_interval(form, status_ids, request.form)
                message = "Work states saved."
            with state.engine().begin() as conn:
                workflows.set_workflow(conn, b.id, states, interval)
                if action != "reset":
                    working.set_working(conn, b.id, working_of)
                n = rederive_board(conn, store_boards.get_board(conn, slug))
            flash(f"{message} {n} issue(s) re-derived.", "success")
            return redirect(url_for("admin.work_states", slug=slug))
        except (VgerError, ValueError) as exc:
            error = str(exc)
    return render_template(
        "admin/work_states.html",
        board=b,
        rows=rows,
        extra=2,
        status_ids=status_ids,
        names={**{sid: sid for sid in status_ids}, **known},
        unmapped=unmapped,
        row_of={sid: k for k, r in enumerate(rows) for sid in r["ids"]},
        interval=((workflow.interval_start, workflow.interval_end) if workflow else (None, None)),
        error=error,
    ), 400 if error else 200
