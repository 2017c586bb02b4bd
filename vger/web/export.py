"""What every view's export module shares: the request's board and view, CSV streaming
(formula cells defused), and JSON answers through the app's provider
(:mod:`vger.web.jsonprovider`)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from flask import Response, current_app, request

from vger.errors import NotFoundError


def csv_stream(pieces: Iterable[pd.DataFrame | str], columns: list[str], filename: str) -> Response:
    """A CSV download written piece by piece (header row first, even when there are no
    pieces), so a large body is never held as one string. A piece is a frame or rows
    already written as CSV text (without the header)."""

    def body() -> Iterator[str]:
        yield pd.DataFrame(columns=columns).to_csv(index=False)
        for piece in pieces:
            yield piece if isinstance(piece, str) else csv_rows(piece[columns])

    return Response(
        body(),  # needs no request context: the pieces are computed already
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


CSV_CHUNK = 10_000  # rows per streamed piece


def csv_rows(frame: pd.DataFrame) -> str:
    """``frame``'s rows as CSV text, without the header (``to_csv``), its float64 columns
    given as Python floats: the csv module writes each with ``repr``, the same text as
    the numpy ``str`` pandas writes a float column with (both the shortest text that
    reads back as the same number; "" for NaN either way), in half the CPU (numpy's
    text of the 67,000 numbers of a 13-week lead-time CSV: 36 ms)."""
    floats = {c: object for c, kind in frame.dtypes.items() if kind == np.float64}
    return (frame.astype(floats) if floats else frame).to_csv(index=False, header=False)


def csv_text(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """``frame``'s columns and its rows written as CSV text in pieces of ``CSV_CHUNK``
    rows (what :func:`csv_stream` sends), to cache the text rather than write it again."""
    pieces = [csv_rows(frame.iloc[k : k + CSV_CHUNK]) for k in range(0, len(frame), CSV_CHUNK)]
    return list(frame.columns), pieces


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
        cells = values.to_numpy(dtype=object)
        # a column of text only (the usual case) is told in C; else a check per cell
        if pd.api.types.infer_dtype(cells, skipna=False) == "string":
            text = np.ones(len(cells), dtype=bool)
        else:
            text = np.array([isinstance(v, str) for v in cells], dtype=bool)
        if not text.any():  # no text in the column at all
            continue
        # numpy compares the first characters in C (pandas' str.startswith calls Python
        # per cell: 0.2 CPU-s for the 100,000 rows of a big board's quality CSV)
        first = np.where(text, cells, "").astype(str)
        risky = np.zeros(len(cells), dtype=bool)
        for prefix in _FORMULA:
            risky |= np.strings.startswith(first, prefix)
        if risky.any():
            values = values.copy()
            values[risky] = "'" + values[risky]
        out[column] = values
    return out


def iso_utc(values: pd.Series) -> np.ndarray:
    """Instants as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC ("" when missing), a column at a time."""
    t = pd.to_datetime(pd.Series(values), utc=True)
    # numpy writes the text in C (strftime goes through Python per value: 0.1 CPU-s
    # for the 2 x 11,000 instants of a 13-week lead-time CSV)
    seconds = t.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]").astype("datetime64[s]")
    # (numpy writes the Z of UTC itself: appending it cost as much again)
    text = np.datetime_as_string(seconds, unit="s", timezone="UTC").astype(object)
    text[t.isna().to_numpy()] = ""
    return text


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


def whole_arg(name: str, default: int, most: int, notices: list[str]) -> int:
    """The request's query parameter ``name`` as a whole number in 1..``most``; otherwise
    ``default`` and a notice in words (never an error: a bad ``page`` is no reason to
    refuse the answer)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= most:
        notices.append(
            f"{name}={raw[:40]!r} is not a whole number from 1 to {most}; showing {name} {default}."
        )
        return default
    return value


ROWS_LIMIT = 1000  # rows in one page of a JSON twin that lists items (aging, efficiency)
MOST_ROWS = 10_000


@dataclass(frozen=True)
class Paging:
    """One page of a JSON list: ``page`` (1-based) of ``limit`` rows."""

    page: int = 1
    limit: int = ROWS_LIMIT

    def of(self, frame: pd.DataFrame, name: str = "rows") -> dict:
        """``page``, ``limit``, ``pages``, ``<name>_total`` (rows in all pages) and this
        page's rows as ``<name>`` (a DataFrame: the provider writes its records in C,
        not row by row)."""
        first = (self.page - 1) * self.limit
        return {
            "page": self.page,
            "limit": self.limit,
            "pages": max(1, math.ceil(len(frame) / self.limit)),
            f"{name}_total": len(frame),
            name: frame.iloc[first : first + self.limit],
        }


def request_paging(notices: list[str], limit: int = ROWS_LIMIT, most: int = MOST_ROWS) -> Paging:
    """``page`` and ``limit`` of the request's query string (bad values: the defaults,
    and a notice in ``notices``)."""
    return Paging(
        whole_arg("page", 1, 1_000_000, notices), whole_arg("limit", limit, most, notices)
    )
