"""What every view's export module shares: the request's board and view, CSV streaming
(formula cells defused), and JSON answers through the app's provider
(:mod:`vger.web.jsonprovider`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
from flask import Response, current_app

from vger.errors import NotFoundError


def csv_stream(pieces: Iterable[pd.DataFrame], columns: list[str], filename: str) -> Response:
    """A CSV download written piece by piece (header row first, even when there are no
    pieces), so a large body is never held as one string."""

    def body() -> Iterator[str]:
        yield pd.DataFrame(columns=columns).to_csv(index=False)
        for piece in pieces:
            yield piece[columns].to_csv(index=False, header=False)

    return Response(
        body(),  # needs no request context: the pieces are computed already
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


CSV_CHUNK = 10_000  # rows per streamed piece


def csv_response(frame: pd.DataFrame, filename: str) -> Response:
    """A CSV download (UTF-8, header row, attachment named ``filename``), streamed in
    pieces of ``CSV_CHUNK`` rows."""
    pieces = (frame.iloc[k : k + CSV_CHUNK] for k in range(0, len(frame), CSV_CHUNK))
    return csv_stream(pieces, list(frame.columns), filename)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def defuse(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a quote."""
    out = frame.copy()
    for column in columns:
        values = out[column].astype(object)
        try:
            risky = values.str.startswith(_FORMULA, na=False).to_numpy(dtype=bool)
        except AttributeError:  # no text in the column at all
            continue
        if risky.any():
            values = values.copy()
            values[risky] = "'" + values[risky]
        out[column] = values
    return out


def iso_utc(values: pd.Series) -> np.ndarray:
    """Instants as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC ("" when missing), a column at a time."""
    t = pd.to_datetime(pd.Series(values), utc=True)
    return t.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("").to_numpy(dtype=object)


def not_found_json(exc: NotFoundError) -> Response:
    """An unknown board as JSON: ``{"error": "..."}``, 404."""
    return json_response({"error": str(exc)}, 404)


def json_head(choice, parsed) -> dict:
    """The fields every view's JSON starts with."""
    return {
        "board": choice.board.slug,
        "time_zone": choice.board.tz,
        "notices": parsed.notices + choice.notices,
    }


def json_response(body: dict, status: int = 200) -> Response:
    """``body`` as JSON through the app's provider (numbers plain, NaN as null: see
    :mod:`vger.web.jsonprovider`), written as ``json.dumps`` writes it."""
    body_text = current_app.json.dumps(body, sort_keys=False)  # in the order written
    return Response(body_text, status, mimetype="application/json")
