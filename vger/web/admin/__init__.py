"""``/admin``: teams, boards, work types, work states, ETL status and "sync now".

Server-rendered Flask forms (Jinja autoescapes every value). Every route needs a login
and every state-changing request a CSRF token (:mod:`vger.web.auth`).

The admin asks Jira to check a JQL, to find a board by name and for a board's columns,
and starts ETL runs: the one place the web reaches the ``etl`` package. That crossing is
declared in pyproject.toml (import-linter ``ignore_imports``, admin only), so every other
web module stays held to "the web never talks to Jira or GitHub". Tests or deployments
may replace the four services through ``server.extensions["vger"]["admin_services"]``.
"""

from __future__ import annotations

import functools
import logging
import threading
from types import SimpleNamespace
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from vger.errors import ConfigError, LockedError, NotFoundError, VgerError
from vger.store import boards, working
from vger.store import edits as ops
from vger.store import sync as store_sync
from vger.store.issues import issue_types, rederive_board
from vger.web import auth, jobs, state

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__, url_prefix="/admin")


# --- services (Jira checks and ETL runs, wired at run time) ----------------------------


@functools.cache
def _default_services() -> SimpleNamespace:
    from etl import jira_validate as checks
    from etl import run as runner

    return SimpleNamespace(
        validate_jql=checks.validate_jql,
        find_board=checks.find_board,
        board_workflow=checks.board_workflow,
        run_etl=runner.run_etl,
    )


def services() -> Any:
    return current_app.extensions["vger"].get("admin_services") or _default_services()


# --- background syncs -------------------------------------------------------------------

_SYNCS: dict[tuple[int, str], threading.Thread] = {}
_SYNCS_LOCK = threading.Lock()


def _sync_job(engine, settings, slug: str, run_etl) -> None:
    try:
        report = run_etl(engine, settings, board_slug=slug, progress=False)
        log.info("admin sync of %s finished: ok=%s", slug, getattr(report, "ok", None))
    except Exception as exc:  # noqa: BLE001 - a thread must not die silently
        log.error("admin sync of %s failed: %s", slug, type(exc).__name__)


def start_sync(slug: str) -> bool:
    """Start a run of the board: queued for ``vger worker`` when a queue is configured,
    else in a thread of this process (the embedded fallback); False when one is already
    queued or running."""
    engine, settings = state.engine(), state.settings()
    if jobs.enabled(settings):
        return jobs.enqueue(settings, slug)
    key = (id(engine), slug)
    with _SYNCS_LOCK:
        running = _SYNCS.get(key)
        if running is not None and running.is_alive():
            return False
        thread = threading.Thread(
            target=_sync_job,
            args=(engine, settings, slug, services().run_etl),
            name=f"admin-sync-{slug}",
            daemon=True,
        )
        _SYNCS[key] = thread
        thread.start()
    return True


def sync_thread_alive(slug: str) -> bool:
    """True while the board's sync runs here (thread) or waits/runs in the queue."""
    settings = state.settings()
    if jobs.enabled(settings):
        return jobs.active(settings, slug)
    with _SYNCS_LOCK:
        thread = _SYNCS.get((id(state.engine()), slug))
    return thread is not None and thread.is_alive()


def wait_for_syncs(timeout: float = 60.0) -> None:
    """Wait for every background sync of this process (tests, shutdown)."""
    with _SYNCS_LOCK:
        threads = list(_SYNCS.values())
    for thread in threads:
        thread.join(timeout)


def _board_runs(conn, board) -> list[dict]:
    return store_sync.runs(conn, limit=10, board_id=board.id)


def sync_status(conn, board) -> dict[str, Any]:
    runs = _board_runs(conn, board)
    running = sync_thread_alive(board.slug) or any(r["status"] == "running" for r in runs)
    return {"running": running, "runs": runs, "last": runs[0] if runs else None}


# --- guards -----------------------------------------------------------------------------


@bp.before_request
def _guard():
    if not auth.admin_enabled():
        if request.path.startswith("/admin/api/"):
            return jsonify({"error": "the admin is closed: see docs/admin.md"}), 403
        return render_template("admin/closed.html"), 403
    if auth.current_user() is None:
        return auth.refuse_anonymous()
    auth.check_csrf()
    return None


def _board_or_404(conn, slug: str):
    try:
        return boards.get_board(conn, slug)
    except NotFoundError as exc:
        abort(404, description=str(exc))


def _team_or_404(conn, slug: str) -> dict:
    try:
        return ops.get_team(conn, slug)
    except NotFoundError as exc:
        abort(404, description=str(exc))


def _int_or_none(text: str | None, what: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"the {what} must be a whole number") from None
    if not 0 < value < 2**31:
        raise ConfigError(f"the {what} must be a positive number")
    return value


# --- index ------------------------------------------------------------------------------


@bp.route("/")
def index():
    with state.engine().connect() as conn:
        teams = ops.list_teams(conn)
        all_boards = boards.list_boards(conn)
        status = {b.slug: sync_status(conn, b)["last"] for b in all_boards}
        counts = {b.slug: boards.issue_count(conn, b.id) for b in all_boards}
    by_team: dict[int, list] = {}
    for b in all_boards:
        by_team.setdefault(b.team_id, []).append(b)
    return render_template(
        "admin/index.html", teams=teams, by_team=by_team, status=status, counts=counts
    )


# --- teams ------------------------------------------------------------------------------


def _team_form_values(form) -> dict[str, str]:
    return {
        "slug": form.get("slug", ""),
        "name": form.get("name", ""),
        "tz": form.get("tz", "UTC"),
        "fiscal_start_month": form.get("fiscal_start_month", "1"),
    }


@bp.route("/teams/new", methods=["GET", "POST"])
def team_new():
    values = {"slug": "", "name": "", "tz": "UTC", "fiscal_start_month": "1"}
    error = None
    if request.method == "POST":
        values = _team_form_values(request.form)
        try:
            slug = ops.validate_slug(values["slug"], "team slug")
            name = ops.validate_name(values["name"], "team name")
            with state.engine().begin() as conn:
                boards.add_team(
                    conn,
                    slug,
                    name or None,
                    tz=values["tz"].strip() or "UTC",
                    fiscal_start_month=ops.validate_fiscal(values["fiscal_start_month"]),
                )
            flash(f"Team {slug} created.", "success")
            return redirect(url_for("admin.index"))
        except VgerError as exc:
            error = str(exc)
    return render_template(
        "admin/team_form.html", values=values, error=error, new=True
    ), 400 if error else 200


@bp.route("/teams/<slug>/edit", methods=["GET", "POST"])
def team_edit(slug: str):
    with state.engine().connect() as conn:
        team = _team_or_404(conn, slug)
    values = {k: str(team[k]) for k in ("slug", "name", "tz", "fiscal_start_month")}
    error = None
    if request.method == "POST":
        values = {**_team_form_values(request.form), "slug": slug}
        try:
            with state.engine().begin() as conn:
                n = ops.update_team(
                    conn,
                    slug,
                    name=values["name"],
                    tz=values["tz"],
                    fiscal_start_month=values["fiscal_start_month"],
                )
            flash(
                f"Team {slug} saved."
                + (f" {n} board(s) re-derived for the new time zone." if n else ""),
                "success",
            )
            return redirect(url_for("admin.index"))
        except VgerError as exc:
            error = str(exc)
    return render_template(
        "admin/team_form.html", values=values, error=error, new=False
    ), 400 if error else 200


@bp.route("/teams/<slug>/delete", methods=["GET", "POST"])
def team_delete(slug: str):
    with state.engine().connect() as conn:
        team = _team_or_404(conn, slug)
        counts = ops.team_counts(conn, team["id"])
    if request.method == "POST":
        try:
            with state.engine().begin() as conn:
                ops.delete_team(conn, slug)
        except LockedError as exc:  # a board of the team syncs (in any process)
            flash(str(exc), "danger")
            return redirect(url_for("admin.index"))
        flash(f"Team {slug} and its {counts['boards']} board(s) deleted.", "success")
        return redirect(url_for("admin.index"))
    return render_template(
        "admin/confirm_delete.html",
        what="team",
        slug=slug,
        name=team["name"],
        counts=counts,
        action=url_for("admin.team_delete", slug=slug),
        back=url_for("admin.index"),
    )


# --- boards -----------------------------------------------------------------------------

BOARD_FIELDS = (
    "slug",
    "name",
    "team",
    "jql",
    "jira_board_id",
    "jira_board_name",
    "rolling_weeks",
    "abandoned",
    "repos",
)


def _board_values(board=None, repos=()) -> dict[str, Any]:
    if board is None:
        return {
            "slug": "",
            "name": "",
            "team": "",
            "jql": "",
            "jira_board_id": "",
            "jira_board_name": "",
            "include_subtasks": False,
            "rolling_weeks": "12",
            "working_days": False,
            "abandoned": "",
            "repos": "",
        }
    return {
        "slug": board.slug,
        "name": board.name,
        "team": board.team_slug,
        "jql": board.jql,
        "jira_board_id": "" if board.jira_board_id is None else str(board.jira_board_id),
        "jira_board_name": "",
        "include_subtasks": board.include_subtasks,
        "rolling_weeks": str(board.rolling_weeks),
        "working_days": board.working_days,
        "abandoned": ", ".join(board.abandoned),
        "repos": "\n".join(repos),
    }


def _posted_board_values() -> dict[str, Any]:
    values: dict[str, Any] = {k: request.form.get(k, "") for k in BOARD_FIELDS}
    values["include_subtasks"] = request.form.get("include_subtasks") == "on"
    values["working_days"] = request.form.get("working_days") == "on"
    return values


def _check_board_form(values: dict[str, Any], old_jql: str | None) -> tuple[dict, dict, list]:
    """Field errors, parsed values and warnings; asks Jira about the JQL and board."""
    errors: dict[str, str] = {}
    warnings: list[str] = []
    parsed: dict[str, Any] = {}
    settings = state.settings()
    try:
        parsed["name"] = ops.validate_name(values["name"], "board name")
    except ConfigError as exc:
        errors["name"] = str(exc)
    try:
        parsed["rolling_weeks"] = ops.validate_rolling(values["rolling_weeks"])
    except ConfigError as exc:
        errors["rolling_weeks"] = str(exc)
    try:
        parsed["jira_board_id"] = _int_or_none(values["jira_board_id"], "Jira board id")
    except ConfigError as exc:
        errors["jira_board_id"] = str(exc)
    name = (values.get("jira_board_name") or "").strip()
    if name and not errors.get("jira_board_id") and parsed.get("jira_board_id") is None:
        try:
            parsed["jira_board_id"] = services().find_board(settings, name)
            values["jira_board_id"] = str(parsed["jira_board_id"])
            values["jira_board_name"] = ""
        except VgerError as exc:
            errors["jira_board_name"] = str(exc)
    abandoned = ops.parse_list(values["abandoned"])
    parsed["abandoned"] = abandoned or None
    try:
        parsed["repos"] = ops.validate_repos(ops.parse_list(values["repos"]))
    except ConfigError as exc:
        errors["repos"] = str(exc)
    try:
        jql = ops.validate_jql(values["jql"])
        parsed["jql"] = jql
        if not jql:
            errors["jql"] = "Give the JQL of the board's issues, e.g. project = ABC."
        elif jql != old_jql:
            from etl.jira_validate import jql_verdict  # the words `vger board add` uses too

            error, warning = jql_verdict(services().validate_jql(settings, jql))
            if error:
                errors["jql"] = error
            elif warning:
                warnings.append(warning)
    except ConfigError as exc:
        errors["jql"] = str(exc)
    return errors, parsed, warnings


def _default_states(conn, slug: str, jira_board_id: int | None) -> str | None:
    """Work states from the Jira board's columns; a warning in words when impossible."""
    if jira_board_id is None or not state.settings().jira_url:
        return None
    try:
        states, interval = services().board_workflow(state.settings(), jira_board_id)
    except (VgerError, ValueError) as exc:
        return f"Work states not set from the Jira board: {exc}"
    board = boards.get_board(conn, slug)
    boards.set_workflow(conn, board.id, states, interval)
    rederive_board(conn, board)
    return None


@bp.route("/boards/new", methods=["GET", "POST"])
def board_new():
    with state.engine().connect() as conn:
        teams = ops.list_teams(conn)
    values = _board_values()
    values["team"] = request.args.get("team", "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = _posted_board_values()
        try:
            slug = ops.validate_slug(values["slug"], "board slug")
        except ConfigError as exc:
            errors["slug"] = str(exc)
            slug = ""
        if not errors:
            more, parsed, warnings = _check_board_form(values, None)
            errors.update(more)
        if not errors:
            try:
                with state.engine().begin() as conn:
                    board_id = boards.add_board(
                        conn,
                        slug,
                        values["team"],
                        name=parsed["name"] or None,
                        jql=parsed["jql"],
                        jira_board_id=parsed["jira_board_id"],
                        include_subtasks=values["include_subtasks"],
                        rolling_weeks=parsed["rolling_weeks"],
                        working_days=values["working_days"],
                        abandoned=parsed["abandoned"],
                        browse_url=state.settings().jira_url,
                    )
                    for full_name in parsed["repos"]:
                        boards.add_repo(conn, board_id, full_name)
                    note = _default_states(conn, slug, parsed["jira_board_id"])
                for w in warnings + ([note] if note else []):
                    flash(w, "warning")
                flash(f"Board {slug} created.", "success")
                return redirect(url_for("admin.board", slug=slug))
            except VgerError as exc:
                errors["form"] = str(exc)
    return render_template(
        "admin/board_form.html", values=values, errors=errors, teams=teams, new=True
    ), 400 if errors else 200


@bp.route("/boards/<slug>")
def board(slug: str):
    with state.engine().connect() as conn:
        b = _board_or_404(conn, slug)
        status = sync_status(conn, b)
        workflow = boards.get_workflow(conn, b.id)
        info = {
            "repos": list(boards.repos(conn, b.id)),
            "issues": boards.issue_count(conn, b.id),
            "unmapped": boards.unmapped_statuses(conn, b.id),
            "work_types": boards.work_types(conn, b.id),
            "recent": ops.recent_issues(conn, b.id),
        }
    return render_template(
        "admin/board.html",
        board=b,
        status=status,
        workflow=workflow,
        info=info,
        jira=bool(state.settings().jira_url),
    )


@bp.route("/boards/<slug>/edit", methods=["GET", "POST"])
def board_edit(slug: str):
    with state.engine().connect() as conn:
        b = _board_or_404(conn, slug)
        teams = ops.list_teams(conn)
        values = _board_values(b, boards.repos(conn, b.id))
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {**_posted_board_values(), "slug": slug}
        errors, parsed, warnings = _check_board_form(values, b.jql)
        if not errors:
            try:
                with state.engine().begin() as conn:
                    rederived = ops.update_board(
                        conn,
                        slug,
                        name=parsed["name"],
                        team=values["team"],
                        jql=parsed["jql"],
                        jira_board_id=parsed["jira_board_id"],
                        include_subtasks=values["include_subtasks"],
                        rolling_weeks=parsed["rolling_weeks"],
                        working_days=values["working_days"],
                        abandoned=parsed["abandoned"],
                        repos=parsed["repos"],
                    )
                for w in warnings:
                    flash(w, "warning")
                if parsed["jql"] != b.jql:
                    flash(
                        "The JQL changed: run a sync to load issues of the new query "
                        "(issues no longer matched are removed by the next full run).",
                        "info",
                    )
                flash(
                    f"Board {slug} saved." + (" Its issues were re-derived." if rederived else ""),
                    "success",
                )
                return redirect(url_for("admin.board", slug=slug))
            except NotFoundError as exc:
                errors["team"] = str(exc)
            except VgerError as exc:
                errors["form"] = str(exc)
    return render_template(
        "admin/board_form.html", values=values, errors=errors, teams=teams, new=False
    ), 400 if errors else 200


@bp.route("/boards/<slug>/delete", methods=["GET", "POST"])
def board_delete(slug: str):
    with state.engine().connect() as conn:
        b = _board_or_404(conn, slug)
        counts = ops.board_counts(conn, b.id)
    if request.method == "POST":
        if sync_thread_alive(slug):
            flash("A sync of this board is running: delete it when the sync has ended.", "danger")
            return redirect(url_for("admin.board", slug=slug))
        try:
            with state.engine().begin() as conn:
                ops.delete_board(conn, slug)
        except LockedError as exc:  # a sync in another process holds the board's lock
            flash(str(exc), "danger")
            return redirect(url_for("admin.board", slug=slug))
        flash(f"Board {slug} deleted with {counts['issues']} issue(s).", "success")
        return redirect(url_for("admin.index"))
    return render_template(
        "admin/confirm_delete.html",
        what="board",
        slug=slug,
        name=b.name,
        counts=counts,
        action=url_for("admin.board_delete", slug=slug),
        back=url_for("admin.board", slug=slug),
    )


# --- work types -------------------------------------------------------------------------


@bp.route("/boards/<slug>/work-types", methods=["GET", "POST"])
def work_types(slug: str):
    with state.engine().connect() as conn:
        b = _board_or_404(conn, slug)
        groups = boards.work_types(conn, b.id)
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
                boards.set_work_types(conn, b.id, new_groups)
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


# --- work states ------------------------------------------------------------------------


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
        b = _board_or_404(conn, slug)
        workflow = boards.get_workflow(conn, b.id)
        known = boards.statuses(conn, b.id)
        unmapped = boards.unmapped_statuses(conn, b.id)
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
                boards.set_workflow(conn, b.id, states, interval)
                if action != "reset":
                    working.set_working(conn, b.id, _posted_working(request.form))
                n = rederive_board(conn, boards.get_board(conn, slug))
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


# --- sync -------------------------------------------------------------------------------


@bp.route("/boards/<slug>/sync", methods=["POST"])
def board_sync(slug: str):
    with state.engine().connect() as conn:
        _board_or_404(conn, slug)
    try:
        started = start_sync(slug)
    except VgerError as exc:  # the job queue is unreachable
        flash(str(exc), "danger")
        return redirect(url_for("admin.board", slug=slug))
    if started:
        flash("Sync started: this page refreshes until it ends.", "info")
    else:
        flash("A sync of this board is already running.", "warning")
    return redirect(url_for("admin.board", slug=slug))


def _run_json(run: dict | None) -> dict | None:
    if run is None:
        return None
    return {
        "id": run["id"],
        "source": run["source"],
        "scope": run["scope"],
        "status": run["status"],
        "started": run["started"].isoformat() if run["started"] else None,
        "finished": run["finished"].isoformat() if run["finished"] else None,
        "counts": {
            k: v
            for k, v in (run["counts"] or {}).items()
            if k in ("added", "updated", "removed", "requests")
        },
        "error": run["error"],
    }


@bp.route("/api/boards/<slug>/status")
def api_status(slug: str):
    with state.engine().connect() as conn:
        try:
            b = boards.get_board(conn, slug)
        except NotFoundError as exc:
            return jsonify({"error": str(exc)}), 404
        status = sync_status(conn, b)
    return jsonify(
        {
            "board": slug,
            "running": status["running"],
            "runs": [_run_json(r) for r in status["runs"]],
        }
    )


@bp.route("/api/boards/<slug>/sync", methods=["POST"])
def api_sync(slug: str):
    with state.engine().connect() as conn:
        try:
            boards.get_board(conn, slug)
        except NotFoundError as exc:
            return jsonify({"error": str(exc)}), 404
    try:
        started = start_sync(slug)
    except VgerError as exc:  # the job queue is unreachable
        return jsonify({"board": slug, "started": False, "error": str(exc)}), 503
    return jsonify({"board": slug, "started": started}), 202 if started else 409


def init_app(server) -> None:
    """Register the admin blueprint (the login routes come from :mod:`vger.web.auth`)."""
    auth.init_app(server)
    server.register_blueprint(bp)
