"""The app's one JSON encoder (``app.json``): every ``/api/*`` body goes through it.

What the views hand over is made plain on the way out: numpy and pandas scalars become
Python numbers, NaN, infinities, ``NaT`` and ``pd.NA`` become ``null``, dates and
timestamps ISO 8601 text (``isoformat``), and a DataFrame the list of its rows
(``to_json(orient="records", date_format="iso")``: the rows a CSV of it has).
``jsonify`` keeps Flask's sorted keys; the views' bodies (``vger.web.export.json_response``)
keep the order the view wrote them in.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime, time
from typing import Any

import numpy as np
import pandas as pd
from flask.json.provider import DefaultJSONProvider


def plain(value: Any) -> Any:
    """``value`` with only what :mod:`json` writes without help (and no NaN), recursively."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return json.loads(value.to_json(orient="records", date_format="iso"))
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date | time):  # pd.Timestamp is a datetime
        return value.isoformat()
    return value


class VgerJSONProvider(DefaultJSONProvider):
    """Flask's provider, with :func:`plain` applied first and NaN refused after it."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(plain(obj), allow_nan=False, **kwargs)
