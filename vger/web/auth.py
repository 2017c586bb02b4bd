"""Login for ``/admin`` (and, with ``VGER_REQUIRE_LOGIN``, for every dashboard), CSRF
tokens, login rate limiting and the session cookie's flags.

- Who is logged in: the ``VGER_TRUSTED_USER_HEADER`` a trusted proxy sets (when
  configured), else a server-side session (:mod:`vger.web.sessions`: revoked on logout
  and when the password changes, sliding lifetime) after a login with
  ``VGER_ADMIN_PASSWORD`` (compared with :func:`hmac.compare_digest`).
- Neither configured: ``/admin`` is closed, with a page saying how to open it.
- Login attempts: at most 5 failures per 5 minutes per client address, then 429,
  counted by every worker together (:mod:`vger.web.login_limit`).
- CSRF: Flask-WTF's ``CSRFProtect`` (a random secret per session, signed tokens), a
  hidden field ``csrf_token`` in every form or an ``X-CSRF-Token`` header, checked on
  every state-changing request under ``/admin`` (and login, logout).
- Cookie: ``HttpOnly``, ``SameSite=Lax``, ``Secure`` whenever the request came over
  HTTPS (behind a proxy, let it set ``X-Forwarded-Proto`` and wrap the app in
  ``werkzeug.middleware.proxy_fix.ProxyFix``) or ``SESSION_COOKIE_SECURE`` is set.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from vger.web import login_limit, sessions, state

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: Paths open without a login under VGER_REQUIRE_LOGIN: exact paths, and prefixes that
#: end with a slash (so /healthz or /administrator are not /health or /admin).
OPEN_PATHS = ("/health", "/admin/login", "/_favicon.ico", "/favicon.ico")
OPEN_PREFIXES = ("/assets/", "/hooks/")  # webhooks prove themselves by signature or token

bp = Blueprint("auth", __name__)


class _SessionInterface(SecureCookieSessionInterface):
    """``Secure`` cookie when the request itself came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        try:
            secure_request = request.is_secure
        except RuntimeError:  # outside a request
            secure_request = False
        return bool(app.config.get("SESSION_COOKIE_SECURE")) or secure_request


# --- who is logged in ----------------------------------------------------------------


def password_enabled() -> bool:
    secret = state.settings().admin_password
    return bool(secret and secret.get_secret_value())


def header_name() -> str | None:
    return state.settings().trusted_user_header or None


def admin_enabled() -> bool:
    return password_enabled() or bool(header_name())


def current_user() -> str | None:
    """The logged-in user: the trusted proxy's header, else the session's login."""
    name = header_name()
    if name:
        user = request.headers.get(name, "").strip()
        if user:
            return user[:200]
    if password_enabled():
        return sessions.user()
    return None


def check_password(given: str) -> bool:
    secret = state.settings().admin_password
    if secret is None or not secret.get_secret_value():
        return False
    return hmac.compare_digest(given.encode("utf-8"), secret.get_secret_value().encode("utf-8"))


# --- CSRF -----------------------------------------------------------------------------

#: Flask-WTF's CSRF protection, applied where :func:`check_csrf` is called (the admin
#: guard, login and logout), not to every POST: Dash callbacks and the webhooks are
#: not forms and prove themselves otherwise.
csrf = CSRFProtect()
CSRF_REFUSED = "The form's security token is missing or expired: reload the page and try again."


def csrf_token() -> str:
    """A token for a form of this session (Flask-WTF's ``generate_csrf``)."""
    return generate_csrf()


def check_csrf() -> None:
    """Refuse (400, in words) a state-changing request without a valid CSRF token of this
    session, in the form's ``csrf_token`` field or an ``X-CSRF-Token`` header."""
    try:
        csrf.protect()
    except CSRFError:
        abort(400, description=CSRF_REFUSED)


def safe_next(target: str | None) -> str:
    """A local path to return to after login (never another site)."""
    default = url_for("admin.index")
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


# --- hooks ------------------------------------------------------------------------------


def _wants_json() -> bool:
    path = request.path
    return (
        path.startswith("/_dash-")
        or path.startswith("/api/")
        or path.startswith("/download/")
        or path.startswith("/admin/api/")
    )


def refuse_anonymous():
    """The answer to a request that needs a login and has none."""
    if not admin_enabled():
        if _wants_json():
            return jsonify({"error": "login is not configured: see docs/admin.md"}), 403
        return render_template("admin/closed.html"), 403
    if _wants_json() or request.method not in ("GET", "HEAD"):
        return jsonify({"error": "login required"}), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _require_login_everywhere():
    if not state.settings().require_login:
        return None
    path = request.path
    if is_open_path(path):
        return None  # /admin guards itself; assets and health stay open
    if current_user() is None:
        return refuse_anonymous()
    return None


def is_open_path(path: str) -> bool:
    """Paths VGER_REQUIRE_LOGIN leaves to their own checks: /admin (it guards itself),
    health and assets. Exact paths, or prefixes ending with a slash."""
    if path == "/admin" or path.startswith("/admin/"):
        return True
    return path in OPEN_PATHS or any(path.startswith(p) for p in OPEN_PREFIXES)


def init_app(server: Flask) -> None:
    """Cookie flags, the session interface, the login routes and the require-login hook."""
    server.config["SESSION_COOKIE_HTTPONLY"] = True
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    server.session_interface = _SessionInterface()
    settings, engine = state.settings_of(server), state.engine_of(server)
    sessions.init_app(server, settings, engine)
    limiter = login_limit.init_app(server, settings, engine)
    # Tokens last as long as the session (as before: no hour limit), and HTTPS requests
    # are not refused for a missing Referer (SameSite=Lax cookies already stop other
    # sites' posts); only the listed methods are checked, and only where check_csrf runs.
    server.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    server.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    server.config.setdefault("WTF_CSRF_SSL_STRICT", False)
    server.config.setdefault("WTF_CSRF_METHODS", sorted(UNSAFE))
    csrf.init_app(server)
    server.jinja_env.globals["csrf_token"] = csrf_token
    server.jinja_env.globals["current_user"] = current_user
    server.register_blueprint(bp)
    server.view_functions["auth.login"] = limiter.limit(
        login_limit.login_limit(), methods=["POST"], deduct_when=login_limit.failed
    )(server.view_functions["auth.login"])
    server.before_request(_require_login_everywhere)


# --- routes -----------------------------------------------------------------------------


@bp.route("/admin/login", methods=["GET", "POST"])
def login():
    if not admin_enabled():
        return render_template("admin/closed.html"), 403
    target = safe_next(request.values.get("next"))
    if current_user() is not None and request.method == "GET":
        return redirect(target)
    if not password_enabled():
        # header mode without the header: the proxy did not authenticate this request
        return render_template("admin/login.html", error=None, header_only=True, next=target), 401
    error = None
    status = 200
    if request.method == "POST":
        check_csrf()
        if check_password(request.form.get("password", "")):
            sessions.start("admin")  # a fresh session, so a fresh CSRF token: no fixation
            return redirect(target)
        error = "Wrong password."
        status = 401
    return render_template("admin/login.html", error=error, header_only=False, next=target), status


@bp.route("/admin/logout", methods=["POST"])
def logout():
    check_csrf()
    sessions.end()
    return redirect(url_for("auth.login"))
