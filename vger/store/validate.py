"""Field rules of teams and boards, shared by the command line and the admin forms:
each takes what a person typed and returns the clean value or raises
:class:`~vger.errors.ConfigError` with the words to show."""

from __future__ import annotations

import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vger.errors import ConfigError

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
MAX_NAME = 200
MAX_JQL = 10_000


def validate_slug(slug: str, what: str = "slug") -> str:
    """A slug as it appears in URLs: 1-64 lower-case letters, digits, '-' or '_'."""
    slug = (slug or "").strip()
    if not SLUG.match(slug):
        raise ConfigError(
            f"the {what} {slug!r} is not valid: use 1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit"
        )
    return slug


def validate_name(name: str, what: str = "name") -> str:
    """A display name: at most 200 characters, no control characters."""
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise ConfigError(f"the {what} is longer than {MAX_NAME} characters")
    if any(ord(c) < 32 for c in name):
        raise ConfigError(f"the {what} contains control characters")
    return name


def validate_tz(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"unknown time zone {tz!r}: use an IANA name such as Europe/Berlin"
        ) from None
    return tz


def validate_fiscal(month) -> int:
    try:
        value = int(month)
    except (TypeError, ValueError):
        raise ConfigError("the fiscal-year start month must be a number from 1 to 12") from None
    if not 1 <= value <= 12:
        raise ConfigError("the fiscal-year start month must be between 1 and 12")
    return value


def validate_rolling(weeks) -> int:
    try:
        value = int(weeks)
    except (TypeError, ValueError):
        raise ConfigError("the rolling window must be a whole number of weeks") from None
    if not 1 <= value <= 104:
        raise ConfigError("the rolling window must be between 1 and 104 weeks")
    return value


def validate_jql(jql: str) -> str:
    jql = (jql or "").strip()
    if len(jql) > MAX_JQL:
        raise ConfigError(f"the JQL is longer than {MAX_JQL} characters")
    return jql


def validate_repos(names: Sequence[str]) -> list[str]:
    """GitHub ``owner/name`` strings (GitHub's own character rules)."""
    out = []
    for full_name in names:
        full_name = full_name.strip()
        if not full_name:
            continue
        if not REPO.match(full_name) or full_name.endswith((".git",)):
            raise ConfigError(
                f"repository {full_name!r} is not of the form owner/name (letters, digits, '-', '_', '.')"
            )
        if full_name not in out:
            out.append(full_name)
    return out


def parse_list(text: str) -> list[str]:
    """Comma- or newline-separated values, stripped, without blanks or duplicates."""
    out: list[str] = []
    for part in re.split(r"[,\n]", text or ""):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out
