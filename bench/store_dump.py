"""Dump of what the load path stores, to compare two versions of it:
``python -m bench.store_dump OUT [--postgres URL]``.

The same input goes through the real load paths — the benchmark's recorded pages
through :func:`~etl.jira_transform.transform_issue` and ``save_issues`` page by page, a
hand-built board on which every history check fires, and full then incremental then
full syncs (cut changelogs, flags, moves, deletions) against the fake Jira in Cloud and
Data Center modes — on SQLite and PostgreSQL (a schema of its own, dropped afterwards).
Every stored row of the tables the load writes is written to ``OUT``, sorted, one table
after another (the ``sync`` table's clock columns left out). Run it with the old code
and the new (``PYTHONPATH``) and ``diff`` the two files: a change of the load path that
keeps the stored data must leave them identical.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import timedelta
from pathlib import Path

from bench.etl_bench import NAMES, STATES, T0, postgres_engine, recorded_doc, store
from etl.jira_client import PAGE
from etl.jira_sync import sync_board
from etl.jira_transform import transform_issue
from tests.etl.conftest import serve_example, settings_for
from tests.etl.fake_jira import FakeJira
from vger.store import boards, sync, teams, workflows
from vger.store import schema as s
from vger.store.db import make_engine, upgrade
from vger.store.issues import save_issues

TABLES = (
    "board",
    "status",
    "work_state",
    "work_state_status",
    "work_type",
    "issue",
    "transition",
    "issue_state_time",
    "issue_flag",
    "issue_quality",
    "quality_pending",
    "flow_day",
    "flow_day_board",
)


def recorded(engine, n: int = 1200) -> None:
    """The benchmark's pages, saved as the benchmark saves them (one run)."""
    with engine.begin() as conn:
        board = boards.get_board(conn, "b")
        run_id = sync.start_run(conn, "jira", "b", board.id)
    docs = [recorded_doc(k, moves=1 + k % 10) for k in range(n)]
    for p in range(0, n, PAGE):
        rows = [transform_issue(d) for d in docs[p : p + PAGE]]
        with engine.begin() as conn:  # one dict per move: the rows as save_issues takes them
            save_issues(
                conn,
                board,
                [r.issue for r in rows],
                [x for r in rows for x in r.transitions],
                flags=[f for r in rows for f in r.flags],
            )
            sync.checkpoint(conn, run_id, watermark=rows[-1].issue["updated"], cursor=None)
    with engine.begin() as conn:
        sync.finish_run(conn, run_id, "ok")


def hand_built(engine) -> None:
    """tests/store/test_quality_hits.py's board where every history check fires, saved
    in pages of 4 within one run."""
    from tests.factories import EXAMPLE_STATES
    from tests.store.test_quality_hits import ALL_NAMES, EVERY_CHECK

    with engine.begin() as conn:
        teams.add_team(conn, "hb-team")
        board_id = boards.add_board(conn, "every", "hb-team")
        workflows.set_workflow(conn, board_id, EXAMPLE_STATES, (1, 3))
        workflows.upsert_statuses(
            conn, board_id, [{"status_id": k, "name": v} for k, v in ALL_NAMES.items()]
        )
        board = boards.get_board(conn, "every")
        run_id = sync.start_run(conn, "jira", "every", board.id)
    for first in range(0, len(EVERY_CHECK), 4):
        part = EVERY_CHECK[first : first + 4]
        with engine.begin() as conn:
            save_issues(conn, board, [i for i, _ in part], [m for _, ms in part for m in ms])
    with engine.begin() as conn:
        sync.finish_run(conn, run_id, "ok")


def synced(engine, mode: str, slug: str) -> None:
    """Full, incremental and full syncs of a fake Jira: example 5, long histories (cut
    changelogs), flags, moves, new issues, a deletion."""
    with FakeJira(mode) as fake:
        serve_example(fake)
        for sid, name in NAMES.items():
            fake.add_status(sid, name, "done" if sid == "5" else "indeterminate")
        fake.add_status("9", "Blocked")
        for k in range(150):
            created = T0 + timedelta(hours=3 * k)
            steps, prev = [], "1"
            for j in range(5 if k % 4 else 60):  # a quarter with cut changelogs
                nxt = ("2", "3", "4", "3", "9", "4", "5")[j % 7] if k % 3 else "3" if j % 2 else "4"
                steps.append((created + timedelta(hours=2 * (j + 1), minutes=k), prev, nxt))
                prev = nxt
            fake.add_issue(
                str(30000 + k),
                f"L-{k}",
                issue_type="Bug" if k % 5 == 0 else "Story",
                created=created,
                status=prev,
                resolution="Done" if prev == "5" else None,
                moves=steps,
                extra_items=k % 7 == 0,
            )
        with engine.begin() as conn:
            teams.add_team(conn, f"team-{slug}")
            board_id = boards.add_board(conn, slug, f"team-{slug}", jql="project = L")
            workflows.set_workflow(conn, board_id, STATES, (1, 3))
            board = boards.get_board(conn, slug)
        settings = settings_for(fake)
        assert sync_board(engine, board, settings, full=True).ok
        later = T0 + timedelta(days=90)  # after every stored change
        for k in range(0, 150, 9):
            fake.move(f"L-{k}", later + timedelta(minutes=k), "3")
        fake.flag("L-4", later + timedelta(hours=1))
        fake.delete("L-5")
        for k in range(3):  # new issues on the incremental run's pages too
            fake.add_issue(
                str(31000 + k),
                f"L-{200 + k}",
                created=later + timedelta(hours=k),
                status="3",
                moves=[(later + timedelta(hours=k, minutes=5), "1", "3")],
            )
        assert sync_board(engine, board, settings).ok
        fake.move("L-10", later + timedelta(hours=2), "5", resolution="Done")
        assert sync_board(engine, board, settings, full=True).ok


def dump(engine, out) -> None:
    with engine.connect() as conn:
        for name in TABLES:
            table = s.metadata.tables[name]
            columns = [c.name for c in table.columns if not (name == "board" and c.name == "id")]
            quoted = ", ".join(f'"{c}"' for c in columns)
            # raw rows, no type processing: SQLite's stored text as it is
            rows = conn.exec_driver_sql(f'SELECT {quoted} FROM "{name}"').all()  # noqa: S608
            out.write(f"== {name} ({len(rows)} rows)\n")
            for row in sorted(_text(v) for v in rows):
                out.write(row + "\n")


def _text(row) -> str:
    return "\t".join(v.hex() if isinstance(v, bytes) else repr(v) for v in row)


def build(engine, tmp: Path) -> None:
    store(tmp, "unused", engine)  # migrate; team "t", board "b"
    recorded(engine)
    hand_built(engine)
    synced(engine, "cloud", "cloud")
    synced(engine, "dc", "dc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--pg-schema", default="store_dump")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d, args.out.open("w") as out:
        engine = make_engine(f"sqlite:///{Path(d) / 'dump.db'}")
        upgrade(engine)
        build(engine, Path(d))
        out.write("### sqlite\n")
        dump(engine, out)
        engine.dispose()
        with postgres_engine(args.postgres, args.pg_schema) as pg:
            upgrade(pg)
            build(pg, Path(d))
            out.write("### postgresql\n")
            dump(pg, out)


if __name__ == "__main__":
    main()
