"""A deterministic simulator of software teams over two years, for ``vger demo``.

The store is filled only through the load path the ETL uses (``vger.store.boards``,
``save_issues``, ``save_pull_requests``, ``save_tags``, sync runs), so every derived
column (start, done, lead time, time in state) is computed exactly as for real data.

The model is a day-step simulation of a kanban board, per team:

- Arrivals are Poisson per day with weekly seasonality (busy Mondays, quiet weekends),
  a kick-off burst, a few busy periods (more bugs) and a quiet end of December.
- Work flows Backlog -> Ready -> In Progress -> Review -> Test -> Done. Replenishment
  meetings (Monday, Thursday) top up Ready; developers pull from Ready (bugs first)
  while In Progress is under its WIP limit; finished development waits in In Progress
  until Review is under its limit, which creates queueing. Effort per stage is
  log-normal per issue type (bugs fast, stories slow with longer reviews), progress per
  day follows team availability (weekends, December holidays, summer vacation).
- Review -> In Progress and Test -> In Progress are backward moves with type-dependent
  probabilities; a few completed issues are reopened (Done -> In Progress -> Done).
- Abandoned issues: duplicates and "Cannot Reproduce" bugs closed from the backlog,
  stale backlog items groomed out ("Won't Do"), descoped items closed from Ready.
- A quarter of started stories get sub-tasks; a few issues are outliers (huge effort
  or a review blocked for weeks). Whatever is unfinished at ``now`` stays open.
- Pull requests come from the issues' development (merged when the review passes,
  some rejected, open ones for work in progress) plus dependency-bot bumps; release
  tags every two to three weeks.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from vger import demo_flags, demo_links, demo_reviews
from vger.store import boards, teams, workflows, working
from vger.store.issues import save_issues
from vger.store.links import save_pull_links
from vger.store.pr_stages import save_pr_stages
from vger.store.pulls import save_pull_requests, save_tags
from vger.store.sync import finish_run, start_run

DAYS = 730  # two years back from ``now``

# Status ids, names and categories (one Jira project workflow, shared by both boards).
OPEN, TODO, SELECTED, IN_PROGRESS, IN_REVIEW, IN_QA, DONE, CLOSED, RESOLVED = (
    "10000",
    "10001",
    "10002",
    "10003",
    "10004",
    "10005",
    "10006",
    "10007",
    "10008",
)
STATUSES = [
    (OPEN, "Open", "new"),
    (TODO, "To Do", "new"),
    (SELECTED, "Selected", "new"),
    (IN_PROGRESS, "In Progress", "indeterminate"),
    (IN_REVIEW, "In Review", "indeterminate"),
    (IN_QA, "In QA", "indeterminate"),
    (DONE, "Done", "done"),
    (CLOSED, "Closed", "done"),
    (RESOLVED, "Resolved", "done"),
]
STATUS_NAME = {sid: name for sid, name, _ in STATUSES}
WORK_STATES = [
    ("Backlog", [OPEN, TODO]),
    ("Ready", [SELECTED]),
    ("In Progress", [IN_PROGRESS]),
    ("Review", [IN_REVIEW]),
    ("Test", [IN_QA]),
    ("Done", [DONE, CLOSED, RESOLVED]),
]
INTERVAL = (1, 4)  # Ready..Test
BACKLOG = (OPEN, TODO)


@dataclass(frozen=True)
class Flow:
    """Per issue type: median effort (working days) and log-sigma of each stage, and the
    probabilities of backward moves."""

    dev: tuple[float, float]
    review: tuple[float, float]
    test: tuple[float, float]
    review_back: float
    test_back: float


FLOWS = {
    "Story": Flow((2.2, 0.7), (0.9, 0.6), (0.5, 0.5), 0.25, 0.08),
    "Task": Flow((1.2, 0.7), (0.4, 0.6), (0.3, 0.5), 0.15, 0.05),
    "Bug": Flow((0.5, 0.8), (0.2, 0.6), (0.3, 0.5), 0.10, 0.10),
}
SUBTASK_DEV = (0.8, 0.6)


@dataclass(frozen=True)
class TeamSpec:
    team: str
    team_name: str
    tz: str
    fiscal_start_month: int
    board: str
    board_name: str
    project: str
    id_base: int
    repos: tuple[str, ...]
    people: tuple[str, ...]
    arrivals: float  # mean issues created per ordinary weekday (before subtasks)
    mix: tuple[float, float, float]  # Story, Task, Bug shares
    wip: int  # In Progress limit
    review_wip: int
    ready_limit: int
    subtask_share: float  # of started stories
    major: int  # first release major version


TEAMS = (
    TeamSpec(
        team="platform",
        team_name="Platform",
        tz="Europe/Berlin",
        fiscal_start_month=4,
        board="platform",
        board_name="Platform board",
        project="PLAT",
        id_base=10000,
        repos=("example/platform-api", "example/platform-web"),
        people=("akoenig", "bschulz", "cnguyen", "dpetrov", "emueller", "fhaddad"),
        arrivals=5.0,
        mix=(0.42, 0.28, 0.30),
        wip=12,
        review_wip=9,
        ready_limit=10,
        subtask_share=0.25,
        major=1,
    ),
    TeamSpec(
        team="mobile",
        team_name="Mobile",
        tz="America/New_York",
        fiscal_start_month=1,
        board="mobile",
        board_name="Mobile board",
        project="MOB",
        id_base=50000,
        repos=("example/mobile-app",),
        people=("gsantos", "hkim", "imartin"),
        arrivals=1.3,
        mix=(0.45, 0.20, 0.35),
        wip=4,
        review_wip=2,
        ready_limit=5,
        subtask_share=0.15,
        major=3,
    ),
)

WEEKDAY_ARRIVALS = (1.25, 1.1, 1.0, 0.95, 0.7, 0.06, 0.04)
ABANDON_REASONS = ("Won't Do", "Duplicate", "Cannot Reproduce")


# ---------------------------------------------------------------------------------------
# Summaries that read like real work items.

STORY_VERBS = ("Add", "Support", "Allow admins to configure", "Introduce", "Enable", "Show")
STORY_THINGS = (
    "CSV export",
    "SSO login via Okta",
    "rate limiting",
    "an audit log",
    "webhook retries",
    "bulk user import",
    "dark mode",
    "a usage dashboard",
    "billing alerts",
    "personal API tokens",
    "cursor pagination",
    "saved search filters",
    "team invitations",
    "two-factor authentication",
    "scheduled reports",
    "per-tenant quotas",
    "Slack notifications",
    "an onboarding checklist",
)
PLACES = (
    "for admin users",
    "in the billing service",
    "on the settings page",
    "in the public API",
    "in the reporting module",
    "for enterprise tenants",
    "in the mobile app",
    "on the account page",
)
BUG_THINGS = (
    "Login page",
    "Invoice PDF",
    "Search results",
    "Password reset email",
    "CSV export",
    "Webhook delivery",
    "User avatar upload",
    "Dashboard chart",
    "Token refresh",
    "Push notification",
    "Checkout form",
    "Timezone picker",
)
BUG_FAILURES = (
    "returns 500",
    "shows wrong totals",
    "times out",
    "is empty",
    "crashes",
    "renders twice",
    "loses unsaved changes",
    "shows a stale value",
)
BUG_WHEN = (
    "when the session has expired",
    "for EUR accounts",
    "on Safari",
    "after a deploy",
    "with more than 1000 rows",
    "for users without a team",
    "on slow networks",
    "after daylight saving time changes",
)
TASK_TEMPLATES = (
    "Upgrade {dep} to the latest major version",
    "Migrate {svc} to the new cluster",
    "Clean up feature flags in {svc}",
    "Rotate credentials of {svc}",
    "Document the on-call runbook for {svc}",
    "Add alerting for {svc} latency",
    "Remove dead code from {svc}",
    "Load-test {svc}",
)
DEPS = ("Django", "React", "PostgreSQL", "Node.js", "Kotlin", "Gradle", "Terraform", "Redis")
SERVICES = ("the billing service", "the auth service", "the search indexer", "the API gateway")
SUBTASK_TEMPLATES = (
    "Backend: {x}",
    "UI: {x}",
    "Write tests for {x}",
    "Update API docs for {x}",
    "Analytics events for {x}",
)


def _summary(rng: random.Random, issue_type: str) -> str:
    if issue_type == "Story":
        return f"{rng.choice(STORY_VERBS)} {rng.choice(STORY_THINGS)} {rng.choice(PLACES)}"
    if issue_type == "Bug":
        return f"{rng.choice(BUG_THINGS)} {rng.choice(BUG_FAILURES)} {rng.choice(BUG_WHEN)}"
    return rng.choice(TASK_TEMPLATES).format(dep=rng.choice(DEPS), svc=rng.choice(SERVICES))


# ---------------------------------------------------------------------------------------
# The simulation.


@dataclass(eq=False)
class Item:
    uid: int
    issue_type: str
    created: datetime
    status: str
    summary: str
    parent: Item | None = None
    moves: list[tuple[datetime, str, str]] = field(default_factory=list)
    resolution: str | None = None
    remaining: float = 0.0  # effort left in the current stage (working days)
    dev: float = 0.0  # development effort, for rework and sub-tasks
    outlier: float = 1.0
    backs: int = 0
    reopened: bool = False
    start_day: int = 0  # sub-tasks: day their work starts

    @property
    def last(self) -> datetime:
        return self.moves[-1][0] if self.moves else self.created


def _lognormal(rng: random.Random, median_sigma: tuple[float, float]) -> float:
    median, sigma = median_sigma
    return median * math.exp(rng.gauss(0.0, sigma))


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _holiday(day: date) -> bool:
    return (day.month == 12 and day.day >= 21) or (day.month == 1 and day.day <= 1)


class Simulation:
    def __init__(self, spec: TeamSpec, rng: random.Random, now: datetime) -> None:
        self.spec = spec
        self.rng = rng
        self.now = now
        self.zone = ZoneInfo(spec.tz)
        # Whole days up to yesterday; a late ``now`` margin keeps every event before ``now``.
        self.last_day = (now - timedelta(hours=8)).astimezone(self.zone).date() - timedelta(days=1)
        self.first_day = self.last_day - timedelta(days=DAYS - 1)
        self.items: list[Item] = []
        self.backlog: list[Item] = []
        self.ready: list[Item] = []
        self.in_progress: list[Item] = []
        self.review: list[Item] = []
        self.test: list[Item] = []
        self.subtasks: list[Item] = []
        self.scheduled: dict[int, list[tuple[str, Item, str]]] = {}
        self.busy = self._busy_periods()

    # -- calendar -----------------------------------------------------------------------

    def _busy_periods(self) -> list[tuple[int, int]]:
        periods = []
        for anchor in (120, 330, 520, 640):
            begin = anchor + self.rng.randint(-40, 40)
            periods.append((begin, begin + self.rng.randint(10, 25)))
        return periods

    def _availability(self, index: int, day: date) -> float:
        rng = self.rng
        if day.weekday() >= 5:
            return 0.12 if rng.random() < 0.05 else 0.0
        a = min(1.0, max(0.5, rng.gauss(0.9, 0.08)))
        if _holiday(day):
            a *= 0.2
        elif (day.month == 7 and day.day >= 15) or day.month == 8:
            a *= 0.8
        return a

    def _arrival_rate(self, index: int, day: date) -> tuple[float, float]:
        """Mean arrivals of the day and the bug share."""
        rate = self.spec.arrivals * WEEKDAY_ARRIVALS[day.weekday()]
        bug_share = self.spec.mix[2]
        if index < 14:
            rate *= 2.5  # the project's kick-off: the first backlog is written
            bug_share = 0.1
        if any(lo <= index < hi for lo, hi in self.busy):
            rate *= 1.6
            bug_share = min(0.6, bug_share * 1.6)
        if _holiday(day):
            rate *= 0.3
        return rate, bug_share

    def _at(self, day: date) -> datetime:
        """A time of ``day`` in the team's working hours (mostly), as UTC."""
        rng = self.rng
        hour = rng.uniform(8.5, 18.0) if rng.random() < 0.93 else rng.uniform(18.0, 22.5)
        local = datetime(day.year, day.month, day.day, tzinfo=self.zone) + timedelta(hours=hour)
        return local.astimezone(UTC)

    # -- moves --------------------------------------------------------------------------

    def _move(self, item: Item, to: str, day: date) -> None:
        at = self._at(day)
        floor = item.last + timedelta(minutes=self.rng.randint(4, 90))
        if at < floor:
            at = floor
        item.moves.append((at, item.status, to))
        item.status = to

    def _schedule(self, day_index: int, kind: str, item: Item, arg: str = "") -> None:
        self.scheduled.setdefault(day_index, []).append((kind, item, arg))

    def _new(self, issue_type: str, created: datetime, status: str, **extra) -> Item:
        summary = extra.pop("summary", None) or _summary(self.rng, issue_type)
        item = Item(len(self.items), issue_type, created, status, summary, **extra)
        self.items.append(item)
        return item

    # -- the day loop -------------------------------------------------------------------

    def run(self) -> list[Item]:
        for index in range(DAYS):
            day = self.first_day + timedelta(days=index)
            a = self._availability(index, day)
            if a > 0:
                self._flow(index, day, a)
            self._events(index, day, a)
            self._arrivals(index, day)
        return self.items

    def _flow(self, index: int, day: date, a: float) -> None:
        rng = self.rng
        # Test -> Done (or back to In Progress)
        for item in list(self.test):
            item.remaining -= a
            if item.remaining <= 0:
                self.test.remove(item)
                self._leave_test(item, index, day, a)
        # Review -> Test (or back to In Progress)
        for item in list(self.review):
            item.remaining -= a
            if item.remaining <= 0:
                self.review.remove(item)
                self._leave_review(item, index, day, a)
        # In Progress: develop; finished work waits for a free Review slot
        for item in self.in_progress:
            item.remaining -= a
        for item in list(self.in_progress):
            if item.remaining > 0:
                continue
            if item.reopened:
                self.in_progress.remove(item)
                self._finish(item, index, day)
            elif len(self.review) < self.spec.review_wip:
                self.in_progress.remove(item)
                self._enter_review(item, index, day, a)
        # Pull from Ready while under the WIP limit: bugs first
        while len(self.in_progress) < self.spec.wip and self.ready:
            bugs = [i for i in self.ready if i.issue_type == "Bug"]
            item = bugs[0] if bugs else self.ready[0]
            self.ready.remove(item)
            if rng.random() < 0.025:  # descoped before work started
                item.resolution = "Won't Do"
                self._move(item, CLOSED, day)
                continue
            self._move(item, IN_PROGRESS, day)
            item.dev = _lognormal(rng, FLOWS[item.issue_type].dev) * item.outlier
            item.remaining = item.dev - a * rng.uniform(0.0, 0.6)
            self.in_progress.append(item)
            if item.issue_type == "Story" and rng.random() < self.spec.subtask_share:
                self._spawn_subtasks(item, index)
        # Sub-tasks (not on the board's WIP)
        for sub in list(self.subtasks):
            if index < sub.start_day:
                continue
            if sub.status == TODO:
                self._move(sub, IN_PROGRESS, day)
                continue
            sub.remaining -= a
            if sub.remaining <= 0:
                self.subtasks.remove(sub)
                sub.resolution = "Won't Do" if rng.random() < 0.04 else "Done"
                self._move(sub, DONE, day)
        # Triage new bugs
        for item in self.backlog:
            if item.status == OPEN and item.created.date() < day and rng.random() < 0.6:
                self._move(item, TODO, day)
        # Replenishment meetings (Monday, Thursday), ad hoc when Ready runs dry
        if day.weekday() in (0, 3) or len(self.ready) < 3:
            self._replenish(day)
        # Backlog grooming
        if day.weekday() == 4:
            for item in list(self.backlog):
                age = (day - item.created.date()).days
                if age > 90 and rng.random() < 0.02:
                    self.backlog.remove(item)
                    item.resolution = "Won't Do"
                    self._move(item, CLOSED, day)

    # A stage entered during the day gets part of the day's work; short stages are
    # passed the same day.

    def _enter_review(self, item: Item, index: int, day: date, a: float) -> None:
        rng = self.rng
        self._move(item, IN_REVIEW, day)
        item.remaining = _lognormal(rng, FLOWS[item.issue_type].review)
        if rng.random() < 0.006:  # blocked in review for weeks (an outlier)
            item.remaining *= rng.uniform(12, 25)
        item.remaining -= a * rng.uniform(0.1, 0.7)
        if item.remaining > 0:
            self.review.append(item)
        else:
            self._leave_review(item, index, day, a)

    def _leave_review(self, item: Item, index: int, day: date, a: float) -> None:
        rng = self.rng
        flow = FLOWS[item.issue_type]
        if item.backs < 2 and rng.random() < flow.review_back:
            self._back(item, day)
            return
        self._move(item, IN_QA, day)
        item.remaining = _lognormal(rng, flow.test) - a * rng.uniform(0.1, 0.7)
        if item.remaining > 0:
            self.test.append(item)
        else:
            self._leave_test(item, index, day, a)

    def _leave_test(self, item: Item, index: int, day: date, a: float) -> None:
        if item.backs < 2 and self.rng.random() < FLOWS[item.issue_type].test_back:
            self._back(item, day)
        else:
            self._finish(item, index, day)

    def _replenish(self, day: date) -> None:
        rng = self.rng
        want = self.spec.ready_limit - len(self.ready)
        if want <= 0 or not self.backlog:
            return
        # Bugs first (oldest first), then the rest by a priority that favours old items
        ranked = sorted(
            self.backlog,
            key=lambda i: (
                i.issue_type != "Bug",
                rng.random() * 90 - (day - i.created.date()).days * 0.5,
                i.uid,
            ),
        )
        for item in ranked[:want]:
            self.backlog.remove(item)
            self._move(item, SELECTED, day)
            self.ready.append(item)

    def _back(self, item: Item, day: date) -> None:
        item.backs += 1
        self._move(item, IN_PROGRESS, day)
        item.remaining = item.dev * self.rng.uniform(0.1, 0.4)
        self.in_progress.append(item)

    def _finish(self, item: Item, index: int, day: date) -> None:
        rng = self.rng
        if item.issue_type == "Bug":
            item.resolution = "Fixed" if rng.random() < 0.6 else "Done"
            target = RESOLVED if rng.random() < 0.3 else DONE
        else:
            item.resolution = "Done"
            target = DONE
        self._move(item, target, day)
        if not item.reopened and rng.random() < 0.03:
            self._schedule(index + rng.randint(1, 25), "reopen", item)

    def _spawn_subtasks(self, parent: Item, index: int) -> None:
        rng = self.rng
        started = parent.moves[-1][0]
        for k in range(rng.randint(2, 3)):
            created = started + timedelta(minutes=rng.randint(2, 30) + 3 * k)
            template = rng.choice(SUBTASK_TEMPLATES)
            sub = self._new(
                "Sub-task",
                created,
                TODO,
                parent=parent,
                summary=template.format(x=parent.summary[0].lower() + parent.summary[1:]),
            )
            sub.start_day = index + rng.randint(0, 3)
            sub.remaining = _lognormal(rng, SUBTASK_DEV)
            self.subtasks.append(sub)

    def _events(self, index: int, day: date, a: float) -> None:
        for kind, item, arg in self.scheduled.pop(index, []):
            if kind == "abandon":
                if item in self.backlog:
                    self.backlog.remove(item)
                    item.resolution = arg
                    self._move(item, CLOSED, day)
            elif kind == "reopen":
                if a <= 0:  # nobody reopens on a day off: the next day
                    self._schedule(index + 1, kind, item, arg)
                    continue
                item.reopened = True
                item.resolution = None
                self._move(item, IN_PROGRESS, day)
                item.remaining = self.rng.uniform(0.3, 2.0)
                self.in_progress.append(item)

    def _arrivals(self, index: int, day: date) -> None:
        rng = self.rng
        rate, bug_share = self._arrival_rate(index, day)
        story, task, _ = self.spec.mix
        scale = (1.0 - bug_share) / (story + task)
        for _ in range(_poisson(rng, rate)):
            draw = rng.random()
            if draw < bug_share:
                issue_type = "Bug"
            elif draw < bug_share + story * scale:
                issue_type = "Story"
            else:
                issue_type = "Task"
            item = self._new(issue_type, self._at(day), OPEN if issue_type == "Bug" else TODO)
            if issue_type != "Bug" and rng.random() < 0.012:
                item.outlier = rng.uniform(7, 14)  # a monster hiding in the backlog
            self.backlog.append(item)
            if rng.random() < 0.04:
                self._schedule(index + rng.randint(0, 6), "abandon", item, "Duplicate")
            elif issue_type == "Bug" and rng.random() < 0.08:
                self._schedule(index + rng.randint(1, 12), "abandon", item, "Cannot Reproduce")


# ---------------------------------------------------------------------------------------
# Rows for the store.


def _ordered(items: list[Item]) -> list[Item]:
    """Items in creation order (the order of their keys)."""
    return sorted(items, key=lambda i: (i.created, i.uid))


def _issue_rows(spec: TeamSpec, items: list[Item]) -> tuple[list[dict], list[dict], dict[int, str]]:
    """Issues and transitions; keys are numbered in creation order, as Jira does."""
    ordered = _ordered(items)
    keys = {item.uid: f"{spec.project}-{n}" for n, item in enumerate(ordered, start=1)}
    ids = {item.uid: str(spec.id_base + n) for n, item in enumerate(ordered, start=1)}
    issues, transitions = [], []
    for item in ordered:
        issue_id = ids[item.uid]
        issues.append(
            {
                "issue_id": issue_id,
                "key": keys[item.uid],
                "issue_type": item.issue_type,
                "is_subtask": item.parent is not None,
                "parent_key": keys[item.parent.uid] if item.parent is not None else None,
                "summary": item.summary,
                "status_id": item.status,
                "status_name": STATUS_NAME[item.status],
                "resolution": item.resolution,
                "created": item.created,
                "updated": item.last,
            }
        )
        for seq, (at, src, dst) in enumerate(item.moves):
            transitions.append(
                {
                    "issue_id": issue_id,
                    "seq": seq,
                    "at": at,
                    "from_status_id": src,
                    "to_status_id": dst,
                    "from_status": STATUS_NAME[src],
                    "to_status": STATUS_NAME[dst],
                }
            )
    return issues, transitions, keys


@dataclass
class _Pull:
    repo: str
    title: str
    author: str
    created: datetime
    state: str
    draft: bool = False
    merged: datetime | None = None
    closed: datetime | None = None


def _hours(rng: random.Random, median: float, sigma: float) -> timedelta:
    return timedelta(hours=median * math.exp(rng.gauss(0.0, sigma)))


def _pulls(
    spec: TeamSpec, items: list[Item], keys: dict[int, str], rng: random.Random, now: datetime
) -> list[_Pull]:
    """Pull requests of the issues' development, plus dependency-bot bumps."""
    pulls: list[_Pull] = []
    weights = [1.0 / (k + 1.5) for k in range(len(spec.people))]
    for item in items:
        if item.parent is not None:
            continue
        entered = [at for at, _, dst in item.moves if dst == IN_PROGRESS]
        if not entered:
            continue
        dev_start = entered[0]
        passed = [at for at, src, dst in item.moves if src == IN_REVIEW and dst != IN_PROGRESS]
        reviewed = [at for at, _, dst in item.moves if dst == IN_REVIEW]
        dev_end = reviewed[0] if reviewed else now
        author = rng.choices(spec.people, weights)[0]
        count = rng.choices((0, 1, 2), (0.42, 0.5, 0.08))[0]
        for k in range(count):
            repo = spec.repos[0] if len(spec.repos) == 1 else rng.choices(spec.repos, (6, 4))[0]
            span = max((dev_end - dev_start).total_seconds(), 3600.0)
            created = dev_start + timedelta(seconds=span * rng.uniform(0.1, 0.9))
            title = f"{keys[item.uid]}: {item.summary}" + (" (part 2)" if k else "")
            if passed:
                merged = passed[0] - timedelta(minutes=rng.randint(0, 180))
                merged = max(merged, created + timedelta(minutes=rng.randint(20, 90)))
                if merged < now:
                    pulls.append(_Pull(repo, title, author, created, "merged", merged=merged))
                    continue
            if created < now:
                pulls.append(_Pull(repo, title, author, created, "open", draft=rng.random() < 0.4))
        if count and rng.random() < 0.12:  # a first attempt, closed unmerged
            created = dev_start + _hours(rng, 3, 0.8)
            closed = created + _hours(rng, 20, 1.0)
            if closed < now:
                title = f"{keys[item.uid]}: WIP {item.summary[0].lower()}{item.summary[1:]}"
                pulls.append(
                    _Pull(
                        rng.choice(spec.repos),
                        title,
                        author,
                        created,
                        "rejected",
                        draft=rng.random() < 0.2,
                        closed=closed,
                    )
                )
    # Dependency bumps: roughly every other Monday per repository
    zone = ZoneInfo(spec.tz)
    first = (now - timedelta(days=DAYS)).astimezone(zone).date()
    first += timedelta(days=(7 - first.weekday()) % 7)
    for repo in spec.repos:
        day = first
        while day < now.astimezone(zone).date():
            if rng.random() < 0.5:
                local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
                    hours=rng.uniform(5.0, 7.0)
                )
                created = local.astimezone(UTC)
                dep = rng.choice(DEPS).lower().replace(".", "")
                minor = rng.randint(1, 30)
                title = f"Bump {dep} from 4.{minor}.0 to 4.{minor}.{rng.randint(1, 5)}"
                end = created + _hours(rng, 26, 1.1)
                if end < now:
                    state = "merged" if rng.random() < 0.7 else "rejected"
                    pulls.append(
                        _Pull(
                            repo,
                            title,
                            "dependabot[bot]",
                            created,
                            state,
                            merged=end if state == "merged" else None,
                            closed=end,
                        )
                    )
                else:
                    pulls.append(_Pull(repo, title, "dependabot[bot]", created, "open"))
            day += timedelta(days=7)
    for pull in pulls:
        if pull.state == "merged":
            pull.closed = pull.merged
    return pulls


def _activity(created: datetime, now: datetime, rng: random.Random) -> datetime:
    """The last activity on an open pull request: after it was opened, before ``now``."""
    latest = now - timedelta(minutes=rng.randint(5, 240))
    return max(created, min(created + _hours(rng, 4, 0.8), latest))


def _pull_rows(pulls: list[_Pull], repo: str, rng: random.Random, now: datetime) -> list[dict]:
    rows = []
    mine = sorted((p for p in pulls if p.repo == repo), key=lambda p: p.created)
    for number, pull in enumerate(mine, start=1):
        additions = max(1, int(math.exp(rng.gauss(3.7, 1.3))))
        deletions = int(math.exp(rng.gauss(2.6, 1.4)))
        if rng.random() < 0.02:  # generated code, vendored files, a big rename
            additions *= rng.randint(15, 40)
            deletions *= rng.randint(5, 30)
        if pull.author == "dependabot[bot]":
            additions, deletions = rng.randint(2, 40), rng.randint(2, 40)
        rows.append(
            {
                "number": number,
                "title": pull.title,
                "author": pull.author,
                "state": pull.state,
                "draft": pull.draft,
                "created": pull.created,
                "updated": pull.closed or _activity(pull.created, now, rng),
                "merged": pull.merged,
                "closed": pull.closed,
                "additions": additions,
                "deletions": deletions,
                "url": f"https://github.com/{repo}/pull/{number}",
            }
        )
    return rows


def _tag_rows(spec: TeamSpec, rng: random.Random, now: datetime) -> list[dict]:
    zone = ZoneInfo(spec.tz)
    day = (now - timedelta(days=DAYS)).astimezone(zone).date() + timedelta(days=rng.randint(7, 14))
    major, minor = spec.major, 0
    rows = []
    while True:
        while day.weekday() >= 5 or _holiday(day):
            day += timedelta(days=1)
        local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(
            hours=rng.uniform(14.0, 17.5)
        )
        at = local.astimezone(UTC)
        if at >= now:
            break
        rows.append(
            {"name": f"v{major}.{minor}.0", "at": at, "sha": f"{rng.getrandbits(160):040x}"}
        )
        if rng.random() < 0.25:  # a hotfix a few days later
            patch_at = at + timedelta(days=rng.randint(1, 4), hours=rng.uniform(-3, 1))
            if patch_at < now:
                rows.append(
                    {
                        "name": f"v{major}.{minor}.1",
                        "at": patch_at,
                        "sha": f"{rng.getrandbits(160):040x}",
                    }
                )
        minor += 1
        if minor >= 20 and rng.random() < 0.3:
            major, minor = major + 1, 0
        day += timedelta(days=rng.randint(14, 21))
    return rows


# ---------------------------------------------------------------------------------------


def build_demo(engine: Engine, *, seed: int = 7, now: datetime | None = None) -> str:
    """Fill an empty, migrated store with two simulated teams over the two years before
    ``now`` (default: the current UTC time). Same seed and ``now`` -> same content.
    Returns a one-line summary."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    totals = {"issues": 0, "transitions": 0, "pull_requests": 0, "tags": 0}
    for k, spec in enumerate(TEAMS):
        rng = random.Random(seed * 1000 + k)
        items = Simulation(spec, rng, now).run()
        issues, transitions, keys = _issue_rows(spec, items)
        pulls = _pulls(spec, items, keys, random.Random(seed * 1000 + 500 + k), now)
        with engine.begin() as conn:
            teams.add_team(
                conn,
                spec.team,
                spec.team_name,
                tz=spec.tz,
                fiscal_start_month=spec.fiscal_start_month,
            )
            board_id = boards.add_board(
                conn,
                spec.board,
                spec.team,
                name=spec.board_name,
                jql=f"project = {spec.project}",
                browse_url="https://jira.example.com",
            )
            run = start_run(conn, "demo", spec.board, board_id)
            workflows.set_workflow(conn, board_id, WORK_STATES, INTERVAL)
            workflows.upsert_statuses(
                conn,
                board_id,
                [{"status_id": sid, "name": name, "category": cat} for sid, name, cat in STATUSES],
            )
            workflows.set_work_types(
                conn, board_id, {"Feature": ["Story"], "Defect": ["Bug"], "Task": ["Task"]}
            )
            board = boards.get_board(conn, spec.board)
            flags = demo_flags.flag_rows(
                items,
                {
                    item.uid: row["issue_id"]
                    for item, row in zip(_ordered(items), issues, strict=True)
                },
                {sid for _, ids in WORK_STATES[INTERVAL[0] : INTERVAL[1] + 1] for sid in ids},
                set(WORK_STATES[-1][1]),
                random.Random(f"{seed}/{spec.board}/flags"),
                now,
            )
            save_issues(conn, board, issues, transitions, flags=flags)
            working.set_working(
                conn,
                board_id,
                {name: name not in demo_flags.WAITING[spec.board] for name, _ in WORK_STATES},
            )
            counts = {"issues": len(issues), "transitions": len(transitions)}
            pull_count = tag_count = 0
            for repo in spec.repos:
                repo_id = boards.add_repo(conn, board_id, repo)
                pull_rng = random.Random(f"{seed}/{repo}/pulls")
                rows = _pull_rows(pulls, repo, pull_rng, now)
                rows, keys = demo_links.link_pulls(rows, random.Random(f"{seed}/{repo}/links"))
                save_pull_requests(conn, repo_id, rows)
                reviews = random.Random(f"{seed}/{repo}/reviews")
                save_pr_stages(
                    conn, repo_id, demo_reviews.stage_rows(rows, spec.people, reviews, now)
                )
                save_pull_links(conn, repo_id, keys)
                tags = _tag_rows(spec, random.Random(f"{seed}/{repo}/tags"), now)
                save_tags(conn, repo_id, tags)
                pull_count += len(rows)
                tag_count += len(tags)
            counts.update(pull_requests=pull_count, tags=tag_count)
            finish_run(conn, run, "ok", counts=counts, watermark=now)
        for name, value in counts.items():
            totals[name] += value
    n = len(TEAMS)
    return (
        f"{n} teams, {n} boards, {totals['issues']:,} issues, "
        f"{totals['transitions']:,} transitions, {totals['pull_requests']:,} pull requests, "
        f"{totals['tags']:,} tags"
    )
