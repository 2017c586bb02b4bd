"""Messages next to the controls: a value typed into a control that the URL contract
rejects (a non-date, From after To, 0 items, a 200-week sample…) is said in words
under that control, not only in the notices at the top of the page.

The words are the notices of :func:`vger.web.params.parse` (one rule for URLs and
controls); each notice belongs to the parameter it names ("Ignored sample='200': …").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from dash import html

from vger.web.params import parse

_NAMED = re.compile(r"^(?:Ignored|Showing) ([a-z]+)=")  # "Showing from=…: dates run …"
_CUT = "The range was cut"  # a From too far before To


def slot_id(prefix: str, name: str) -> str:
    """The id of the message under the control of URL parameter ``name``."""
    return f"{prefix}-{name}-msg"


def message_slot(prefix: str, name: str) -> html.Div:
    """Where the message about control ``name`` appears (read out when it changes)."""
    return html.Div(
        id=slot_id(prefix, name),
        className="small text-danger mt-1",
        role="status",
        **{"aria-live": "polite"},
    )


def notice_parameter(notice: str) -> str | None:
    """The URL parameter a notice is about (None when it names none)."""
    match = _NAMED.match(notice)
    if match:
        return match.group(1)
    return "from" if notice.startswith(_CUT) else None


def control_messages(notices: Sequence[str], names: Sequence[str]) -> tuple[str, ...]:
    """For each parameter in ``names``, its notices joined ("" when it has none)."""
    return tuple(" ".join(n for n in notices if notice_parameter(n) == name) for name in names)


def typed_text(value) -> str | None:
    """A control's value as the URL would hold it (2.0 → "2"; None or "" → None)."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def typed_messages(query: Mapping, names: Sequence[str]) -> tuple[str, ...]:
    """The messages for ``names`` when the controls' values are parsed like a URL."""
    return control_messages(parse(query).notices, names)
