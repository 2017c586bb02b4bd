"""Issues linked to pull requests on a big board, before and after the links, side by
side in one run: ``python -m bench.pr_links [--issues 100000] [--db sqlite,postgresql]``.

1. Builds the board ``big`` of :mod:`bench.views` (``--issues`` issues, 10 moves each;
   set ``TMPDIR`` / ``VGER_BENCH_SCHEMA`` to keep it apart from other runs).
2. Measures the views that show links, each in a fresh process (empty cache): CPU
   seconds cold and warm, payload bytes, peak RSS, and the raw read of the range's rows.
3. Adds a repository with a pull request for ~60 % of the completed issues (a second for
   one in ten, 2 % naming unknown keys) and their links, then measures the same views
   again: the cost of the links is the difference.
4. Times the pure key extraction over 100,000 PR texts and the code-review option's
   toggle (every stored lead time recomputed).

Budgets (issue 16): 13-week views cold <= 0.5 CPU-s, warm <= 0.1; quality <= 3 CPU-s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from bench.views import DAY, NOW, peak_rss_mb, raw_read, say, store_url

W13 = f"from={(DAY - timedelta(weeks=13)).isoformat()}&to={DAY.isoformat()}"
VIEWS = {
    "scatter page 13w": ("render", f"scatter?board=big&{W13}", "13w"),
    "scatter.csv 13w": ("get", f"/download/scatter.csv?board=big&{W13}", "13w"),
    "leadtime.csv 13w": ("get", f"/download/leadtime.csv?board=big&{W13}", "13w"),
    "quadrant API 13w": ("get", f"/api/v1/quadrant?board=big&{W13}", "13w"),
    "quality API": ("get", "/api/v1/quality?board=big", "all"),
}
BUDGET = {"13w": 0.5, "all": 3.0}


def child(url: str, name: str) -> dict:
    import plotly

    from vger.config import Settings
    from vger.web import create_app
    from vger.web.params import parse

    kind, what, scope = VIEWS[name]
    raw = raw_read(url, scope)
    app = create_app(Settings(_env_file=None, database_url=url, secret_key="bench"))
    app.server.config["VGER_NOW"] = NOW
    client = app.server.test_client()

    def once() -> tuple[float, int]:
        t = time.process_time()
        if kind == "get":
            response = client.get(what)
            assert response.status_code == 200, response.get_data()[:300]
            size = len(response.get_data())
        else:
            module, query = what.split("?", 1)
            page = __import__(f"vger.web.views.{module}.page", fromlist=["render"])
            params = parse({k: [v] for k, v in (p.split("=") for p in query.split("&"))}).params
            with app.server.test_request_context("/"):
                out = page.render(params)
            size = len(json.dumps(out, cls=plotly.utils.PlotlyJSONEncoder))
        return time.process_time() - t, size

    cold, size = once()
    warm, _ = once()
    return {"cold": cold, "warm": warm, "bytes": size, "rss_mb": peak_rss_mb(), "raw": raw}


def measure(url: str, name: str) -> dict:
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [sys.executable, "-m", "bench.pr_links", "--child", name, "--url", url],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=root),
        cwd=root,
        check=False,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode or not lines:
        return {"error": (out.stderr.strip().splitlines() or ["?"])[-1][:120]}
    return json.loads(lines[-1])


def drop_pulls(url: str) -> None:
    """The board without repositories, pull requests and links (a reused store)."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for table in ("pull_issue_link", "pull_request", "tag", "repo"):
            conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - own names
    engine.dispose()


def add_pulls(url: str, seed: int = 5) -> tuple[int, int]:
    """A repository with PRs of the board's completed issues and their links."""
    from vger.store import boards

    engine = sa.create_engine(url)
    rng = np.random.default_rng(seed)
    with engine.begin() as conn:
        board = boards.get_board(conn, "big")
        repo_id = boards.add_repo(conn, board.id, "acme/big")
        done = pd.read_sql(
            sa.text(
                "SELECT key, start, done FROM issue WHERE board_id = :b AND outcome = 'completed'"
                " AND start IS NOT NULL"
            ),
            conn,
            params={"b": board.id},
        )
        for c in ("start", "done"):
            done[c] = pd.to_datetime(done[c], utc=True, format="ISO8601")
        picked = done[rng.random(len(done)) < 0.6]
        twice = picked[rng.random(len(picked)) < 0.1]
        prs = pd.concat([picked, twice], ignore_index=True)
        span = (prs["done"] - prs["start"]).dt.total_seconds().to_numpy()
        early = rng.random(len(prs)) < 0.3  # opened before the issue started
        offset = np.where(
            early, -rng.random(len(prs)) * 2 * 86_400, rng.random(len(prs)) * span * 0.8
        )
        created = prs["start"] + pd.to_timedelta(offset, unit="s")
        keys = prs["key"].to_numpy(dtype=object).copy()
        wrong = rng.random(len(prs)) < 0.02
        keys[wrong] = [f"S0-{9_000_000 + k}" for k in range(int(wrong.sum()))]
        rows = [
            {
                "repo_id": repo_id,
                "number": k + 1,
                "title": f"{keys[k]}: change {k}",
                "author": "dev",
                "state": "merged",
                "draft": False,
                "created": created.iat[k].to_pydatetime(),
                "updated": prs["done"].iat[k].to_pydatetime(),
                "merged": prs["done"].iat[k].to_pydatetime(),
                "closed": prs["done"].iat[k].to_pydatetime(),
                "additions": 10,
                "deletions": 2,
                "url": f"https://github.com/acme/big/pull/{k + 1}",
            }
            for k in range(len(prs))
        ]
        from vger.store import schema as s

        conn.execute(sa.insert(s.pull_request), rows)
        conn.execute(
            sa.insert(s.pull_issue_link),
            [{"repo_id": repo_id, "number": k + 1, "issue_key": keys[k]} for k in range(len(prs))],
        )
        for table in ("pull_request", "pull_issue_link", "repo"):  # not other schemas'
            conn.execute(sa.text(f"ANALYZE {table}"))  # noqa: S608 - own names
    engine.dispose()
    return len(rows), len(rows)


def pure_and_toggle(url: str) -> dict:
    from vger.metrics.links import candidate_keys
    from vger.store import boards

    texts = [
        (f"[S0-{k}] Fix thing {k}", f"feature/s0-{k}-fix", "See UTF-8 and S0-1. " * 10)
        for k in range(100_000)
    ]
    t = time.process_time()
    found = sum(len(candidate_keys(*x)) for x in texts)
    extract = time.process_time() - t
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        t = time.process_time()
        on = boards.set_review_lead_time(conn, "big", True)
        toggle_on = time.process_time() - t
        t = time.process_time()
        off = boards.set_review_lead_time(conn, "big", False)
        toggle_off = time.process_time() - t
    engine.dispose()
    return {
        "extract_100k": extract,
        "keys": found,
        "toggle_on": toggle_on,
        "changed_on": on,
        "toggle_off": toggle_off,
        "changed_off": off,
    }


def parts(url: str, repeat: int = 5) -> dict:
    """CPU seconds (best of ``repeat``) of what the links add to a view, in-process:
    the linked PRs of the 13-week range's completed issues (scatter / leadtime.csv), and
    the quality report's two link lines (every link of the board)."""
    from vger.metrics.links import link_checks
    from vger.store import boards, links, queries
    from vger.web.views.common import BoardChoice
    from vger.web.views.linked import linked_prs

    engine = sa.create_engine(url)
    out: dict[str, float] = {}
    with engine.connect() as conn:
        board = boards.get_board(conn, "big")
        items = queries.issue_items(conn, board)
        first = pd.Timestamp(DAY - timedelta(weeks=13), tz=board.tz)
        done = items[(items["outcome"] == "completed") & (items["done"] >= first)]
        choice = BoardChoice(board, None, {}, boards.repos(conn, board.id), [])
        rows = queries.quality_rows(conn, board)

        def best(fn) -> float:
            times = []
            for _ in range(repeat):
                t = time.process_time()
                fn()
                times.append(time.process_time() - t)
            return min(times)

        out["13w completed"] = float(len(done))
        out["linked_prs 13w"] = best(lambda: linked_prs(conn, choice, done))
        out["quality link lines"] = best(
            lambda: link_checks(
                rows,
                links.linked_keys(conn, board.id),
                links.unmatched_links(conn, board.id),
                links.board_projects(conn, board.id),
            )
        )
        out["issue_items (the views' read)"] = best(lambda: queries.issue_items(conn, board))
    engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--parts", action="store_true", help="only the in-process parts (built)")
    parser.add_argument("--reuse", action="store_true", help="reuse the board (links removed)")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.url, args.child)), flush=True)
        return
    for db in [d.strip() for d in args.db.split(",") if d.strip()]:
        if args.parts:  # the board and its links built by an earlier full run
            url = store_url(db, args.issues, 10, True)
            say(f"== {db}: {json.dumps({k: round(v, 4) for k, v in parts(url).items()})}")
            continue
        say(f"== {db}: one board of {args.issues:,} issues x 10 moves")
        url = store_url(db, args.issues, 10, args.reuse)
        drop_pulls(url)
        before = {name: measure(url, name) for name in VIEWS}
        t = time.perf_counter()
        n_prs, n_links = add_pulls(url)
        say(f"   added {n_prs:,} PRs and {n_links:,} links in {time.perf_counter() - t:.0f} s")
        after = {name: measure(url, name) for name in VIEWS}
        say(
            f"{'view':<18} | no links: cold  warm   bytes   | links: cold  warm      bytes  RSS MB  raw  verdict"
        )
        for name, (_, _, scope) in VIEWS.items():
            b, a = before[name], after[name]
            if "error" in b or "error" in a:
                say(f"{name:<18} | {b.get('error', '')} {a.get('error', '')}")
                continue
            ok = "ok" if a["cold"] <= BUDGET[scope] and a["warm"] <= 0.1 else "OVER"
            say(
                f"{name:<18} | {b['cold']:13.2f} {b['warm']:5.3f} {b['bytes']:9,} |"
                f" {a['cold']:10.2f} {a['warm']:5.3f} {a['bytes']:10,} {a['rss_mb']:7.0f}"
                f" {a['raw']:4.2f}  {ok} (x{a['cold'] / b['cold']:.2f})"
            )
        say(f"   {json.dumps(pure_and_toggle(url))}")
        say(f"   {json.dumps({k: round(v, 4) for k, v in parts(url).items()})}")


if __name__ == "__main__":
    main()
