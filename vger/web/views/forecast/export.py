"""The forecast's CSV (``/download/forecast.csv``): question, level, answer, weeks,
days, the sample, trials, seed.
"""

from __future__ import annotations

import pandas as pd
from flask import Blueprint, Response

from vger.metrics.forecast import (
    MAX_WEEKS,
    SEED,
    TRIALS,
)
from vger.metrics.percentiles import LEVELS
from vger.web import state
from vger.web.export import csv_response
from vger.web.views.common import request_choice
from vger.web.views.forecast.data import ForecastData, forecast_data

bp = Blueprint("vger_forecast", __name__)


def forecast_csv(data: ForecastData) -> pd.DataFrame:
    """One row per question and level: the answer, its days and weeks from ``start``,
    and what it came from."""
    rows = []
    sample = " ".join(str(int(n)) for n in data.weekly.to_numpy())
    common = {
        "sample_weeks": len(data.grid),
        "sample_from": data.grid.labels[0].date().isoformat(),
        "sample_to": (data.grid.labels[-1] + pd.Timedelta(days=6)).date().isoformat(),
        "sample": sample,
        "trials": TRIALS,
        "seed": SEED,
    }
    for level in LEVELS:
        rows.append(
            {
                "question": f"how many by {data.by}",
                "level": level,
                "answer": data.how_many[level],
                "weeks": data.weeks,
                "days": data.days,
                **common,
            }
        )
    for level in LEVELS:
        day, n = data.when_dates[level], data.when_days[level]
        rows.append(
            {
                "question": f"when will {data.items} items be done",
                "level": level,
                "answer": day.isoformat() if day else f"not within {MAX_WEEKS} weeks",
                "weeks": -(-n // 7) if n is not None else "",
                "days": n if n is not None else "",
                **common,
            }
        )
    return pd.DataFrame(rows)


@bp.route("/download/forecast.csv")
def forecast_download() -> Response:
    """The forecast's answers: question, level, answer, weeks, days, the sample, trials, seed."""
    with state.engine().connect() as conn:
        choice = request_choice(conn)
        data = forecast_data(conn, choice, state.now())
    p = data.choice.params
    return csv_response(
        forecast_csv(data), f"vger-{data.choice.board.slug}-{p.source}-forecast-{data.today}.csv"
    )
