"""Settings from the environment (``VGER_*``) and an optional ``.env`` file.

Secrets are ``SecretStr``: they print as ``**********`` and are never stored.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path("vger.db")


class Settings(BaseSettings):
    """Every setting Vger reads; see the README's configuration table."""

    model_config = SettingsConfigDict(env_prefix="VGER_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{DEFAULT_DB_PATH}"
    jira_url: str | None = None
    jira_user: str | None = None
    jira_token: SecretStr | None = None
    jira_timeout: float = 30.0
    jira_retries: int = 4
    jira_concurrency: int = 8  # Jira requests in flight at once (id-range searches, changelogs)
    github_token: SecretStr | None = None
    github_url: str = "https://api.github.com"
    github_timeout: float = 30.0  # seconds per GitHub request
    github_retries: int = 4  # per request: 5xx, secondary limits, connection errors
    github_reserve: int = 50  # stop a run when fewer GitHub requests than this remain
    queue_url: str | None = None  # redis://host:6379/0: "Sync now" runs in `vger worker`
    queue_name: str = "vger"  # the RQ queue of sync jobs
    jira_webhook_secret: SecretStr | None = None  # /hooks/jira: HMAC key, or DC URL token
    github_webhook_secret: SecretStr | None = None  # /hooks/github: HMAC key
    webhook_debounce_seconds: float = 1.0  # events within this are fetched in one batch
    lock_stale_seconds: float = 900.0  # a sync lock not renewed for this long is abandoned
    admin_password: SecretStr | None = None
    secret_key: SecretStr | None = None
    require_login: bool = False
    trusted_user_header: str | None = None
    cache_seconds: int = 3600
    cache_url: str | None = None  # redis://host:6379/0 shares the cache; default per process
    redis_prefix: str = "vger:"  # keys of sessions, login counts and the cache in that Redis
    session_minutes: int = 30  # a login ends after this long without a request (sliding)
    session_max_hours: int = 12  # and this long after it began, however busy
    proxy_hops: int = 0  # reverse proxies in front of the app whose X-Forwarded-* to trust
    busy_slots: int = 2  # data requests (API, CSV, callbacks) computed at once per process
    busy_wait_seconds: float = 10.0  # how long another waits for a slot before a 503

    def safe_dict(self) -> dict[str, object]:
        """Settings with secrets masked, for `vger config show` and logs."""
        out: dict[str, object] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                out[name] = "**********"
            elif name.endswith("_url") and isinstance(value, str):
                out[name] = mask_url(value)
            else:
                out[name] = value
        return out


MIN_SECRET = 8  # shorter "secrets" are not masked: replacing "t" would mangle every text


def mask_secrets(text: str, *secrets: str | None) -> str:
    """``text`` with every secret of a meaningful length (``MIN_SECRET`` characters or
    more) replaced by ``***``; shorter values cannot be told from ordinary words."""
    for secret in secrets:
        if secret and len(secret) >= MIN_SECRET:
            text = text.replace(secret, "***")
    return text


#: Query parameters whose values are secrets (``?password=`` of libpq and Redis URLs).
SECRET_PARAMS = ("password", "pass", "passwd", "pwd", "secret", "token", "sslpassword")


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***`` (database and cache URLs):
    SQLAlchemy's own rendering hides the userinfo password (also one with ``/``, ``@``
    or ``:`` in it), and secret query parameters are masked too. Text that is not a URL
    comes back with every ``:…@`` password masked."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(_mask_userinfo(url))
    except (ArgumentError, ValueError):
        return mask_text(url)
    secret = {k: "VGERMASKED" for k in parsed.query if k.lower() in SECRET_PARAMS}
    if parsed.password is None and not secret:
        return url
    shown = parsed.update_query_dict(secret).render_as_string(hide_password=True)
    return shown.replace("VGERMASKED", "***")


def _mask_userinfo(url: str) -> str:
    """``scheme://user:***@host…``: the password runs to the last ``@`` before the query
    (an unescaped ``@`` or ``/`` in it would make a URL parser show part of it)."""
    scheme, sep, rest = url.partition("://")
    head, q, query = rest.partition("?")
    userinfo, at, host = head.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{q}{query}"


def mask_text(text: str) -> str:
    """``text`` (an error message) with URL passwords and secret parameters masked."""
    import re

    text = re.sub(r"(://[^:/@\s]*:)[^@\s]*@", r"\1***@", text)
    return re.sub(
        r"((?:{})=)[^&\s]*".format("|".join(SECRET_PARAMS)), r"\1***", text, flags=re.IGNORECASE
    )
