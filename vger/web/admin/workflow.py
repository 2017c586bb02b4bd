"""Admin: a board's work types (groups of issue types) and work states (ordered groups
of Jira statuses and the lead-time interval)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from vger.errors import ConfigError, VgerError
from vger.store import boards as store_boards
from vger.store import workflows, working
from vger.store.issues import issue_types, rederive_board
from vger.web import state
from vger.web.admin import bp
from vger.web.admin.common import board_or_404, services


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


def _posted_working(form) -> dict[str, bool]:
    """Work-state name -> the "working" box of its row (unticked: waiting)."""
    out: dict[str, bool] = {}
    k = 0
    while f"state_name_{k}" in form and k < 200:
        name = form.get(f"state_name_{k}", "").strip()
        if name:
            out[name] = f"state_working_{k}" in form
        k += 1
    return out


def _parse_states(form, status_ids: list[str]):
    rows = []
    k = 0
    while f"state_name_{k}" in form and k < 200:
        name = form.get(f"state_name_{k}", "").strip()
        order_text = form.get(f"state_order_{k}", "").strip()
        if name:
            if len(name) > 200:
                raise ConfigError("a work state name is at most 200 characters")
            try:
                order = float(order_text) if order_text else float(k + 1)
            except ValueError:
                raise ConfigError(f"the order of {name!r} must be a number") from None
            rows.append((order, k, name))
        k += 1
    if not rows:
        raise ConfigError("give at least one work state")
    rows.sort()
    position_of_row = {row: pos for pos, (_, row, _) in enumerate(rows)}
    names = [name for _, _, name in rows]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise ConfigError(f"work state names must be unique: {', '.join(dup)} appear twice")
    members: list[list[str]] = [[] for _ in rows]
    for sid in status_ids:
        value = form.get(f"status__{sid}", "").strip()
        if not value:
            continue
        try:
            row = int(value)
        except ValueError:
            raise ConfigError(f"unknown work state for status {sid!r}") from None
        if row in position_of_row:
            members[position_of_row[row]].append(sid)
    try:
        start = position_of_row[int(form.get("interval_start", ""))]
        end = position_of_row[int(form.get("interval_end", ""))]
    except (ValueError, KeyError):
        raise ConfigError(
            "choose the lead-time interval's first and last work state among the named states"
        ) from None
    if start > end:
        raise ConfigError("the lead-time interval must start at or before the state it ends at")
    return list(zip(names, members, strict=True)), (start, end)


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
                states, interval = _parse_states(request.form, status_ids)
                message = "Work states saved."
            with state.engine().begin() as conn:
                workflows.set_workflow(conn, b.id, states, interval)
                if action != "reset":
                    working.set_working(conn, b.id, _posted_working(request.form))
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
