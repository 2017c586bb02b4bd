"""Reading a query's raw values, whatever their shape (a URL's text, a list of repeated
parameters, or a hostile callback body's numbers, dicts and lone surrogates), in time
linear in what is kept: the text :mod:`vger.web.params` validates."""

from __future__ import annotations

#: A list parameter (types, repos) keeps at most this many distinct values of at most
#: ``MAX_VALUE`` characters; more are dropped before any work is done on them.
MAX_LIST = 20
MAX_VALUE = 200
#: Raw comma-separated parts read from one request before the rest is ignored.
MAX_PARTS = 200


def text(value: object) -> str | None:
    """A scalar as text: strings as they are (lone surrogates, which JSON can carry but
    UTF-8 cannot, become ``?``), numbers written out, anything else (dicts, booleans, None
    from a hostile callback body) None."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def one(value: object) -> str | None:
    if isinstance(value, list | tuple):
        return text(value[-1]) if value else None
    return text(value)


def many(value: object) -> tuple[str, ...]:
    """Distinct non-empty values (at most ``MAX_LIST``, each at most ``MAX_VALUE``
    characters) of a comma-separated string or a list of them. Linear in the input and
    stops early: a request with 60,000 values costs no more than one with 200."""
    if isinstance(value, list | tuple):
        parts = [text(v) for v in value[:MAX_PARTS]]
    else:
        parts = [text(value)]
    seen: dict[str, None] = {}
    budget = MAX_PARTS
    for part in parts:
        if part is None:
            continue
        for item in part.split(",", budget)[:budget]:
            budget -= 1
            item = item.strip()[:MAX_VALUE]
            if item:
                seen.setdefault(item)
            if len(seen) >= MAX_LIST or budget <= 0:
                return tuple(seen)
    return tuple(seen)
