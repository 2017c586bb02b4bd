"""Looking inside a page's Dash component tree, as a callback or layout returns it."""

from __future__ import annotations


def walk(component):
    """``component`` and everything below it (a list's items, a single child component)."""
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, list | tuple):
        for child in children:
            yield from walk(child)
    elif children is not None and hasattr(children, "to_plotly_json"):
        yield from walk(children)


def text(tree) -> str:
    """The ``children`` of every node of ``tree``, joined by spaces."""
    return " ".join(str(getattr(c, "children", "")) for c in walk(tree))


def by_id(tree, id_: str):
    """The first node of ``tree`` with id ``id_``."""
    return next(c for c in walk(tree) if getattr(c, "id", None) == id_)
