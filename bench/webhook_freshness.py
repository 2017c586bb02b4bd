"""Freshness by webhook: ``python -m bench.webhook_freshness [--debounce S] [--rounds N]``.

The app is served on loopback (werkzeug, threaded), the fake Jira (Data Center and Cloud)
holds METRICS.md example 5, synced once. Each round reopens or closes EX-2 in the fake, the
fake sends its signed webhook (Cloud: X-Hub-Signature; DC: token in the URL), and the clock
runs until ``/api/v1/quadrant`` shows the new number of completed issues. Goal ≤ 60 s, aim ≤ 5 s.
Prints seconds per round and the worst.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from werkzeug.serving import make_server

from etl.jira_sync import sync_board
from tests.etl.conftest import serve_example, settings_for
from tests.etl.fake_jira import FakeJira
from vger.store import boards, teams
from vger.store.db import make_engine, upgrade
from vger.web import create_app

SECRET = "whsec-" + "b3" * 20


def done_count(url: str) -> int:
    """Completed issues over the quadrant's weeks up to 2024-02-04."""
    body = requests.get(f"{url}/api/v1/quadrant?board=example&to=2024-02-04", timeout=10).json()
    return sum(w["count"] for w in body["throughput"])


def one_mode(mode: str, debounce: float, rounds: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp, FakeJira(mode) as fake:
        serve_example(fake)
        db = f"sqlite:///{Path(tmp) / 'bench.db'}"
        settings = settings_for(
            fake, database_url=db, jira_webhook_secret=SECRET, webhook_debounce_seconds=debounce
        )
        engine = make_engine(db)
        upgrade(engine)
        with engine.begin() as conn:
            teams.add_team(conn, "ex-team", "Example team")
            boards.add_board(conn, "example", "ex-team", jql="project = EX", jira_board_id=5)
            board = boards.get_board(conn, "example")
        assert sync_board(engine, board, settings).ok
        server = make_server(
            "127.0.0.1", 0, create_app(settings, engine=engine).server, threaded=True
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}"
        hook = f"{url}/hooks/jira/{SECRET}" if mode == "dc" else f"{url}/hooks/jira"
        seconds = []
        at = datetime(2024, 2, 1, 10, 0, tzinfo=UTC)
        try:
            for k in range(rounds):
                before = done_count(url)
                at += timedelta(minutes=1)
                # EX-2 alternates between reopened (In Progress) and done again (Done).
                target, resolution = ("3", None) if k % 2 == 0 else ("5", "Done")
                t0 = time.monotonic()
                fake.move("EX-2", at, target, resolution)
                answer = fake.send_webhook(hook, "jira:issue_updated", "EX-2", SECRET)
                assert answer.status_code == 202, answer.text
                while done_count(url) == before:
                    if time.monotonic() - t0 > 120:
                        raise SystemExit(f"{mode}: no new number after 120 s (round {k + 1})")
                    time.sleep(0.05)
                seconds.append(time.monotonic() - t0)
        finally:
            server.shutdown()
        return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debounce", type=float, default=1.0, help="seconds (the default setting)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for mode in ("dc", "cloud"):
        seconds = one_mode(mode, args.debounce, args.rounds)
        rounds = ", ".join(f"{s:.2f}" for s in seconds)
        print(
            f"{mode:5s} transition -> new number in /api/v1/quadrant: {rounds} s "
            f"(worst {max(seconds):.2f} s, debounce {args.debounce:.1f} s; goal <= 60 s, aim <= 5 s)"
        )


if __name__ == "__main__":
    main()
