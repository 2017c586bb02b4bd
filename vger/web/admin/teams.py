"""Admin: the index (teams and their boards) and a team's create, edit and delete."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from vger.errors import ConfigError, LockedError, VgerError
from vger.store import boards, teams
from vger.web import state
from vger.web.admin import bp
from vger.web.admin.common import team_or_404
from vger.web.admin.forms import TeamForm
from vger.web.admin.sync import sync_status


@bp.route("/")
def index():
    with state.engine().connect() as conn:
        all_teams = teams.list_teams(conn)
        all_boards = boards.list_boards(conn)
        status = {b.slug: sync_status(conn, b)["last"] for b in all_boards}
        counts = {b.slug: boards.issue_count(conn, b.id) for b in all_boards}
    by_team: dict[int, list] = {}
    for b in all_boards:
        by_team.setdefault(b.team_id, []).append(b)
    return render_template(
        "admin/index.html", teams=all_teams, by_team=by_team, status=status, counts=counts
    )


@bp.route("/teams/new", methods=["GET", "POST"])
def team_new():
    values = {"slug": "", "name": "", "tz": "UTC", "fiscal_start_month": "1"}
    error = None
    if request.method == "POST":
        form = TeamForm(request.form)
        values = form.data
        try:
            if not form.validate():  # the first refusal, in the order of the fields
                raise ConfigError(next(iter(form.first_errors().values())))
            slug = form.slug.parsed
            with state.engine().begin() as conn:
                teams.add_team(
                    conn,
                    slug,
                    form.name.parsed or None,
                    tz=values["tz"].strip() or "UTC",
                    fiscal_start_month=form.fiscal_start_month.parsed,
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
        team = team_or_404(conn, slug)
    values = {k: str(team[k]) for k in ("slug", "name", "tz", "fiscal_start_month")}
    error = None
    if request.method == "POST":
        values = {**TeamForm(request.form).data, "slug": slug}
        try:
            with state.engine().begin() as conn:
                n = teams.update_team(
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
        team = team_or_404(conn, slug)
        counts = teams.team_counts(conn, team["id"])
    if request.method == "POST":
        try:
            with state.engine().begin() as conn:
                teams.delete_team(conn, slug)
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
