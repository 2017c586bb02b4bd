"""Admin: a board's page and its create, edit and delete forms (the JQL and the Jira
board are checked with Jira before anything is stored)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from vger.errors import ConfigError, LockedError, NotFoundError, VgerError
from vger.store import boards, teams, validate, workflows
from vger.store.issues import rederive_board
from vger.web import state
from vger.web.admin import bp
from vger.web.admin.common import board_or_404, services
from vger.web.admin.forms import BoardForm
from vger.web.admin.sync import sync_status, sync_thread_alive


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
            "review_lead_time": False,
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
        "review_lead_time": board.review_lead_time,
        "abandoned": ", ".join(board.abandoned),
        "repos": "\n".join(repos),
    }


def _check_board_form(form: BoardForm, old_jql: str | None) -> tuple[dict, dict, list]:
    """Field errors, parsed values and warnings of the posted board ``form`` (its fields
    apply the store's rules); then asks Jira about the JQL and a board named instead of
    numbered. A board found by name is written back into ``form``'s id field."""
    form.validate()
    errors = form.first_errors()
    parsed: dict[str, Any] = {
        name: getattr(form[name], "parsed", None)
        for name in ("name", "rolling_weeks", "jira_board_id", "abandoned", "repos", "jql")
    }
    parsed["abandoned"] = parsed["abandoned"] or None
    warnings: list[str] = []
    settings = state.settings()
    name = (form.jira_board_name.data or "").strip()
    if name and "jira_board_id" not in errors and parsed["jira_board_id"] is None:
        try:
            parsed["jira_board_id"] = services().find_board(settings, name)
            form.jira_board_id.data = str(parsed["jira_board_id"])
            form.jira_board_name.data = ""
        except VgerError as exc:
            errors["jira_board_name"] = str(exc)
    jql = parsed["jql"]
    if "jql" not in errors:
        if not jql:
            errors["jql"] = "Give the JQL of the board's issues, e.g. project = ABC."
        elif jql != old_jql:
            from etl.jira_validate import jql_verdict  # the words `vger board add` uses too

            error, warning = jql_verdict(services().validate_jql(settings, jql))
            if error:
                errors["jql"] = error
            elif warning:
                warnings.append(warning)
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
    workflows.set_workflow(conn, board.id, states, interval)
    rederive_board(conn, board)
    return None


@bp.route("/boards/new", methods=["GET", "POST"])
def board_new():
    with state.engine().connect() as conn:
        all_teams = teams.list_teams(conn)
    values = _board_values()
    values["team"] = request.args.get("team", "")
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = BoardForm(request.form)
        try:
            slug = validate.validate_slug(form.slug.data, "board slug")
        except ConfigError as exc:
            errors["slug"] = str(exc)
            slug = ""
        if not errors:
            more, parsed, warnings = _check_board_form(form, None)
            errors.update(more)
        values = form.data
        if not errors:
            try:
                with state.engine().begin() as conn:
                    board_id = boards.add_board(
                        conn,
                        slug,
                        values["team"],
                        name=parsed["name"] or None,
                        browse_url=state.settings().jira_url,
                        **_settings(values, parsed),
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
        "admin/board_form.html", values=values, errors=errors, teams=all_teams, new=True
    ), 400 if errors else 200


def _settings(values: dict, parsed: dict) -> dict:
    """The board settings a new or edited board is stored with, from the posted form's
    values and what :func:`_check_board_form` parsed of them."""
    return {
        "jql": parsed["jql"],
        "jira_board_id": parsed["jira_board_id"],
        "include_subtasks": values["include_subtasks"],
        "rolling_weeks": parsed["rolling_weeks"],
        "working_days": values["working_days"],
        "review_lead_time": values["review_lead_time"],
        "abandoned": parsed["abandoned"],
    }


@bp.route("/boards/<slug>")
def board(slug: str):
    with state.engine().connect() as conn:
        b = board_or_404(conn, slug)
        status = sync_status(conn, b)
        workflow = workflows.get_workflow(conn, b.id)
        info = {
            "repos": list(boards.repos(conn, b.id)),
            "issues": boards.issue_count(conn, b.id),
            "unmapped": workflows.unmapped_statuses(conn, b.id),
            "work_types": workflows.work_types(conn, b.id),
            "recent": boards.recent_issues(conn, b.id),
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
        b = board_or_404(conn, slug)
        all_teams = teams.list_teams(conn)
        values = _board_values(b, boards.repos(conn, b.id))
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = BoardForm(request.form)
        errors, parsed, warnings = _check_board_form(form, b.jql)
        values = {**form.data, "slug": slug}
        if not errors:
            try:
                with state.engine().begin() as conn:
                    rederived = boards.update_board(
                        conn,
                        slug,
                        name=parsed["name"],
                        team=values["team"],
                        repos=parsed["repos"],
                        **_settings(values, parsed),
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
        "admin/board_form.html", values=values, errors=errors, teams=all_teams, new=False
    ), 400 if errors else 200


@bp.route("/boards/<slug>/delete", methods=["GET", "POST"])
def board_delete(slug: str):
    with state.engine().connect() as conn:
        b = board_or_404(conn, slug)
        counts = boards.board_counts(conn, b.id)
    if request.method == "POST":
        if sync_thread_alive(slug):
            flash("A sync of this board is running: delete it when the sync has ended.", "danger")
            return redirect(url_for("admin.board", slug=slug))
        try:
            with state.engine().begin() as conn:
                boards.delete_board(conn, slug)
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
