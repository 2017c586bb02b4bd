"""The SQLite floor of the load: ``python -m bench.load_floor [--issues N]``.

The rows ``bench.etl_bench``'s load writes (its recorded pages through the real
transform and ``save_issues``) are captured as the driver receives them, then replayed
with bare ``sqlite3`` ``executemany`` calls, one transaction per page, into a fresh
migrated store: no transform, no derivation, no Python beyond the driver. Its CPU time
per issue is what the store alone costs, so ``1e6 / (µs per issue)`` bounds the load's
rate from above. Then the same replay on variants of the ``transition`` table (the
schema changes one could make), each the best of three runs.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import struct
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from bench.etl_bench import recorded_doc, store
from etl.jira_client import PAGE
from etl.jira_transform import PageRows, transform_issue
from vger.store.issues import save_issues

WITHOUT_ROWID = """CREATE TABLE transition (board_id INTEGER NOT NULL,
 issue_id VARCHAR(64) NOT NULL, seq INTEGER NOT NULL, at DATETIME NOT NULL,
 from_status_id VARCHAR(64), to_status_id VARCHAR(64), from_status VARCHAR(200),
 to_status VARCHAR(200), CONSTRAINT pk_transition PRIMARY KEY (board_id, issue_id, seq))
 WITHOUT ROWID"""  # no foreign key to issue, as the schema since revision 0014
AT_INDEX = "CREATE INDEX ix_transition_board_at ON transition (board_id, at, issue_id)"
PACKED = """CREATE TABLE issue_moves (board_id INTEGER NOT NULL, issue_id VARCHAR(64) NOT NULL,
 moves BLOB NOT NULL, PRIMARY KEY (board_id, issue_id)) WITHOUT ROWID"""
VARIANTS = {
    "current schema": [],
    "transition WITHOUT ROWID": ["DROP TABLE transition", WITHOUT_ROWID, AT_INDEX],
    "without ix_transition_board_at (0012)": ["DROP INDEX ix_transition_board_at"],
    "WITHOUT ROWID, without ix_transition_board_at": ["DROP TABLE transition", WITHOUT_ROWID],
    "moves packed, one row per issue": [PACKED],
}


def capture(n: int, tmp: Path) -> tuple[Path, list]:
    """An empty migrated store and the load's batches: (SQL, rows), None between pages."""
    engine, board = store(tmp, "capture.db")
    engine.dispose()
    empty = tmp / "empty.db"
    shutil.copy(tmp / "capture.db", empty)
    batches: list = []

    @event.listens_for(engine, "before_cursor_execute")
    def keep(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if executemany:
            batches.append((statement, list(parameters)))

    docs = [recorded_doc(k) for k in range(n)]
    for p in range(0, n, PAGE):
        rows = PageRows()
        for doc in docs[p : p + PAGE]:
            rows.add(transform_issue(doc))
        with engine.begin() as conn:
            save_issues(conn, board, rows.issues, rows.transitions, flags=rows.flags)
        batches.append(None)
    engine.dispose()
    return empty, batches


def _packed(statement: str, rows: list) -> tuple[str, list]:
    """Transition rows as one row per issue, its moves in one blob (an 8-byte time, the
    ids and names as text): the bytes a packed history would hold, for the cost."""
    by_issue: dict[tuple, list] = {}
    for r in rows:
        by_issue.setdefault((r[0], r[1]), []).append(r)
    out = []
    for (board_id, issue_id), moves in by_issue.items():
        blob = b"".join(
            struct.pack("<q", len(m[3])) + "\0".join(str(v) for v in m[4:]).encode() for m in moves
        )
        out.append((board_id, issue_id, blob))
    return "INSERT INTO issue_moves VALUES (?, ?, ?)", out


def replay(empty: Path, batches: list, prep: list[str], tmp: Path) -> tuple[float, dict]:
    """CPU seconds of the batches replayed into a copy of ``empty`` after ``prep``."""
    db = tmp / "replay.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(empty, db)
    conn = sqlite3.connect(db, isolation_level=None)
    for pragma in ("foreign_keys=ON", "journal_mode=WAL", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")  # as vger.store.db.make_engine sets them
    for statement in prep:
        conn.execute(statement)
    packed = PACKED in prep
    work = []
    for batch in batches:
        if batch is not None and packed and batch[0].startswith("INSERT INTO transition "):
            batch = _packed(*batch)
        work.append(batch)
    tables: dict[str, float] = {}
    t0 = time.process_time()
    conn.execute("BEGIN")
    for batch in work:
        if batch is None:
            conn.execute("COMMIT")
            conn.execute("BEGIN")
            continue
        t = time.process_time()
        conn.executemany(*batch)
        name = batch[0].split()[2]
        tables[name] = tables.get(name, 0.0) + time.process_time() - t
    conn.execute("COMMIT")
    total = time.process_time() - t0
    conn.close()
    return total, tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3, help="best of this many replays")
    args = parser.parse_args()
    n = args.issues
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        empty, batches = capture(n, tmp)
        print(f"bare executemany of the load's rows, {n} issues of 10 moves, pages of {PAGE}:")
        for name, prep in VARIANTS.items():
            runs = [replay(empty, batches, prep, tmp) for _ in range(args.runs)]
            total, tables = min(runs, key=lambda run: run[0])
            commits = total - sum(tables.values())
            parts = "  ".join(f"{t} {v / n * 1e6:.1f}" for t, v in tables.items())
            print(
                f"  {name:<46} {total / n * 1e6:5.1f} µs/issue -> at most {n / total:>7,.0f}"
                f" issues/CPU-s  ({parts}  commits {commits / n * 1e6:.1f})"
            )


if __name__ == "__main__":
    main()
