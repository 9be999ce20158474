"""Engine benchmark: what our service layer costs over bare SpiffWorkflow, and how the sweep scales.

What is measured
  1. Throughput. bench/three_tasks.bpmn (three user tasks in sequence in the lanes applicant,
     reviewer, coordinator; no forms, no scripts) driven the way the web app drives it:
     engine.start, then engine.complete_task three times, each step in its own
     `with sessions.begin()` transaction (the open task id is looked up inside it). Run on a
     fresh SQLite file and a fresh PostgreSQL database, beside the same BPMN run bare in memory
     with SpiffWorkflow (parsed once; BpmnWorkflow, do_engine_steps, task.run()) and bare plus
     the engine's own state save/restore around each step (the floor of any design that stores
     the case between requests). Median of 5 rounds; SQL statements per case are counted.
     On each database the floor is measured in the same run: the state floor plus the least any
     design must write per step, committed (one UPDATE of the case state with its version check
     and one audit INSERT; the start INSERTs the case and its audit row), in Core statements.
     Targets: the service layer within 1.5x that floor, at most 20 SQL statements per case.
  2. Sweep. One real case of bench/timer_wait.bpmn (a review with a non-interrupting reminder
     timer) is started; its rows are bulk-copied into the open population. Due copies get fresh
     task UUIDs and their open human_task row, so firing them does exactly what firing the real
     case does; not-due copies are bare rows whose timer is a month ahead. One
     sweep.sweep() call is timed per open/due mix, median of --repeat on fresh due rows.
     Target: 100,000 open / 100 due under 1 s, and the time following the due count, not the
     open count.

Run
  .venv/bin/python bench/engine.py                  # both databases, 200 cases, 100,000 open (~1.5 min idle)
  .venv/bin/python bench/engine.py --only sqlite --cases 500 --open 20000
  .venv/bin/python bench/engine.py --only sqlite --profile   # where the service layer spends its time

Figures go to stdout, progress to stderr. PostgreSQL must accept `postgres` on 127.0.0.1:5432
(or --pg-url); the bench creates its own `bench_<hex>` database and drops it at the end; the
SQLite file lives in a temp folder that is removed. The machine's load average is printed:
on a busy 2-core box every figure moves. A benchmark, never a test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
# Run as `python bench/engine.py`, this folder would come first on the path and bench/http.py would
# shadow the standard library's http package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import SpiffWorkflow  # noqa: E402
import sqlalchemy  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import delete, event, func, insert, select, text, update  # noqa: E402

from bench import databases  # noqa: E402
from workflows import bootstrap, calendar, clock, demo, engine, migrate  # noqa: E402
from workflows.db import make_engine, make_session_factory  # noqa: E402
from workflows.engine import serialization, sweep  # noqa: E402
from workflows.models import (  # noqa: E402
    AuditEvent,
    HumanTask,
    InstanceStatus,
    Person,
    ProcessInstance,
    ProcessVersion,
    TaskStatus,
    Unit,
)

BENCH = Path(__file__).resolve().parent
THREE_TASKS = BENCH / "three_tasks.bpmn"
TIMER_WAIT = BENCH / "timer_wait.bpmn"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SH = ZoneInfo("Asia/Shanghai")
CASES_AT = datetime(2026, 2, 16, 9, 0, tzinfo=SH)  # a working day before the reminder
SWEEP_AT = datetime(2026, 3, 2, 9, 0, tzinfo=SH)  # after the reminder instant 2026-03-01 00:00
NOT_DUE_FROM = clock.as_utc(SWEEP_AT + timedelta(days=30))
TASK_DATA = {"comment": "同意"}
FLOOR_TARGET = 1.5
STATEMENTS_TARGET = 20
SWEEP_TARGET_S = 1.0
INSERT_BATCH = 5_000
ROUNDS = 5
MIN_OPEN = 2_000
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


# --- databases -------------------------------------------------------------------


def sqlite_url():
    return databases.sqlite_url("bench-engine-")


postgres_url = databases.postgres_url


def prepared(url: str):
    """Migrated and seeded exactly as a new installation: demo organisation and calendar."""
    db = make_engine(url)
    migrate.upgrade(db)
    sessions = make_session_factory(db)
    with sessions.begin() as session:
        demo.seed_org(session)
        calendar.seed_from_package(session)
    return db, sessions


def deploy(sessions, path: Path) -> None:
    with sessions.begin() as session:
        engine.deploy(session, path.read_text(encoding="utf-8"), {}, None)


# --- throughput ------------------------------------------------------------------


@dataclass(frozen=True)
class Actors:
    """Demo people who hold the lane's role in the unit each task lands in."""

    unit_id: int
    applicant: int
    reviewer: int
    coordinator: int


def demo_actors(sessions) -> Actors:
    with sessions() as s:
        person_id = {p.username: p.id for p in s.scalars(select(Person))}
        mzj = s.scalar(select(Unit.id).where(Unit.code == "mzj"))
    return Actors(mzj, person_id["machao"], person_id["sunjie"], person_id["wanglei"])


def service_case(sessions, actors: Actors) -> int:
    """One case as the web app runs it: four requests, four transactions."""
    with sessions.begin() as s:
        instance_id = engine.start(s, "bench_three", actors.applicant, actors.unit_id, {}).id
    for actor_id in (actors.applicant, actors.reviewer, actors.coordinator):
        with sessions.begin() as s:
            task_id = s.scalar(
                select(HumanTask.id).where(HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.OPEN)
            )
            engine.complete_task(s, task_id, s.get(Person, actor_id), dict(TASK_DATA))
    return instance_id


def bare_spec():
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(THREE_TASKS))
    return parser.get_spec("bench_three"), parser.get_subprocess_specs("bench_three")


def complete_ready_task(workflow: BpmnWorkflow) -> None:
    task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
    task.data.update(TASK_DATA)
    task.run()
    workflow.do_engine_steps()


def bare_case(spec, subprocess_specs) -> None:
    """The same case with nothing around the engine: no database, no state saved."""
    workflow = BpmnWorkflow(spec, subprocess_specs)
    workflow.do_engine_steps()
    for _ in range(3):
        complete_ready_task(workflow)
    assert workflow.is_completed()


def restored(state: str, specs) -> BpmnWorkflow:
    """The engine's own state-only restore (private helpers, read only here)."""
    token = serialization._restoring_spec.set(specs)
    try:
        return serialization._serializer.deserialize_json(state)
    finally:
        serialization._restoring_spec.reset(token)


def state_floor_case(spec, subprocess_specs) -> None:
    """Bare plus saving the state after each step and restoring it before the next, still no database:
    the floor any design that stores each case between requests pays."""
    workflow = BpmnWorkflow(spec, subprocess_specs)
    workflow.do_engine_steps()
    state = serialization.dump(workflow)
    for _ in range(3):
        workflow = restored(state, (spec, subprocess_specs))
        complete_ready_task(workflow)
        state = serialization.dump(workflow)
    assert workflow.is_completed()


def persisted_floor_case(db, version_id: int, actors: Actors, spec, subprocess_specs) -> None:
    """The floor on a database: the state floor plus the least any design must write per step, committed: the start
    INSERTs the case and one audit row; each completion restores the state, runs the task, then UPDATEs the state
    with its version check and INSERTs one audit row. Core statements, no ORM."""
    cases, audit = ProcessInstance.__table__, AuditEvent.__table__
    workflow = BpmnWorkflow(spec, subprocess_specs)
    workflow.do_engine_steps()
    state, now = serialization.dump(workflow), clock.now()
    with db.begin() as conn:
        case_id = conn.execute(
            insert(cases)
            .values(
                process_version_id=version_id,
                status=InstanceStatus.RUNNING.value,
                state=state,
                lock_version=1,
                unit_id=actors.unit_id,
                started_by_id=actors.applicant,
                started_at=now,
            )
            .returning(cases.c.id)
        ).scalar_one()
        conn.execute(
            insert(audit).values(
                at=now,
                actor_id=actors.applicant,
                unit_id=actors.unit_id,
                subject_type="instance",
                subject_id=str(case_id),
                action="instance:started",
            )
        )
    for version, actor_id in enumerate((actors.applicant, actors.reviewer, actors.coordinator), start=1):
        with db.begin() as conn:
            workflow = restored(
                conn.scalar(select(cases.c.state).where(cases.c.id == case_id)), (spec, subprocess_specs)
            )
            complete_ready_task(workflow)
            status = InstanceStatus.COMPLETED if workflow.is_completed() else InstanceStatus.RUNNING
            changed = conn.execute(
                update(cases)
                .where(cases.c.id == case_id, cases.c.lock_version == version)
                .values(state=serialization.dump(workflow), lock_version=version + 1, status=status.value)
            ).rowcount
            assert changed == 1
            conn.execute(
                insert(audit).values(
                    at=now,
                    actor_id=actor_id,
                    unit_id=actors.unit_id,
                    subject_type="instance",
                    subject_id=str(case_id),
                    action="task:completed",
                    after=dict(TASK_DATA),
                )
            )
    assert workflow.is_completed()


def floor_throughput(db, sessions, cases: int, warmup: int) -> tuple[float, int]:
    """The persisted floor in the same database as the service layer, with its statements per case."""
    spec, subprocess_specs = bare_spec()
    actors = demo_actors(sessions)
    with sessions() as s:
        version_id = s.scalar(select(ProcessVersion.id).where(ProcessVersion.process_key == "bench_three"))
    case = lambda: persisted_floor_case(db, version_id, actors, spec, subprocess_specs)  # noqa: E731
    with clock.frozen(CASES_AT):
        return seconds_per_case(case, cases, warmup), statements_per_case(db, case)


def seconds_per_case(run, cases: int, warmup: int, rounds: int = ROUNDS) -> float:
    """Median over rounds: a 2-core machine has neighbours, one slow round should not decide."""
    for _ in range(warmup):
        run()
    per_round = max(cases // rounds, 1)
    times = []
    for _ in range(rounds):
        began = time.perf_counter()
        for _ in range(per_round):
            run()
        times.append((time.perf_counter() - began) / per_round)
    return statistics.median(times)


def check_all_completed(sessions, expected: int) -> None:
    """A benchmark of cases that silently stopped half-way would measure nothing."""
    with sessions() as s:
        done = s.scalar(
            select(func.count()).select_from(ProcessInstance).where(ProcessInstance.status == InstanceStatus.COMPLETED)
        )
    if done != expected:
        raise SystemExit(f"expected {expected} completed cases, found {done}")


def statements_per_case(db, run) -> int:
    """SQL statements one case sends through SQLAlchemy (BEGIN included, COMMIT not)."""
    count = 0

    def counter(*_):
        nonlocal count
        count += 1

    event.listen(db, "before_cursor_execute", counter)
    try:
        run()
    finally:
        event.remove(db, "before_cursor_execute", counter)
    return count


def service_throughput(db, sessions, cases: int, warmup: int) -> tuple[float, int]:
    deploy(sessions, THREE_TASKS)
    actors = demo_actors(sessions)
    case = lambda: service_case(sessions, actors)  # noqa: E731
    with clock.frozen(CASES_AT):
        per_case = seconds_per_case(case, cases, warmup)
        statements = statements_per_case(db, case)
    check_all_completed(sessions, warmup + max(cases // ROUNDS, 1) * ROUNDS + 1)
    return per_case, statements


def in_memory_throughput(run_case, cases: int, warmup: int) -> float:
    spec, subprocess_specs = bare_spec()
    return seconds_per_case(lambda: run_case(spec, subprocess_specs), cases, warmup)


# --- sweep population --------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """The rows of one real case waiting on its reminder, to be copied."""

    instance: dict
    task: dict


def real_waiting_case(sessions) -> Template:
    """Start one case through the engine and keep its rows as the template; the case itself stays,
    its timer moved past the sweep, as one of the open cases (nothing real is ever deleted)."""
    deploy(sessions, TIMER_WAIT)
    actors = demo_actors(sessions)
    with clock.frozen(CASES_AT), sessions.begin() as s:
        case_id = engine.start(s, "bench_timer", actors.applicant, actors.unit_id, {}).id
    instance_cols = ("process_version_id", "status", "state", "next_timer_at", "unit_id", "started_by_id", "started_at")
    task_cols = (
        "spiff_task_id",
        "task_key",
        "name",
        "role",
        "unit_id",
        "form",
        "status",
        "due_provisional",
        "created_at",
    )
    with sessions.begin() as s:
        instance = s.get(ProcessInstance, case_id)
        task = s.scalar(select(HumanTask).where(HumanTask.instance_id == case_id))
        template = Template({c: getattr(instance, c) for c in instance_cols}, {c: getattr(task, c) for c in task_cols})
        s.execute(update(ProcessInstance).where(ProcessInstance.id == case_id).values(next_timer_at=NOT_DUE_FROM))
    assert template.instance["next_timer_at"] is not None, "the template case waits on no timer"
    return template


def with_fresh_uuids(state: str, spiff_task_id: str) -> tuple[str, str]:
    """The same state under new task ids, so each copy's human_task row stays unique."""
    mapping: dict[str, str] = {}
    renamed = UUID_RE.sub(lambda m: mapping.setdefault(m.group(), str(uuid.uuid4())), state)
    return renamed, mapping[spiff_task_id]


class Population:
    """Exactly `open` running cases, `due` of them due at SWEEP_AT, built from copies of the template.

    Copies fired by a previous sweep are marked cancelled, not deleted, so rows the engine wrote
    about them stay valid; only bare not-due copies, which nothing refers to, are ever deleted.
    """

    def __init__(self, db, template: Template):
        self.db = db
        self.template = template
        self.due_ids: list[int] = []

    def resize(self, open_count: int, due: int) -> None:
        self._retire(self.due_ids)
        self.due_ids = []
        background = open_count - due - self._running()
        if background > 0:
            self._insert_not_due(background)
        elif background < 0:
            self._delete_not_due(-background)
        self._insert_due(due)
        self._settle()
        if self._running() != open_count:
            raise SystemExit(f"population has {self._running()} open cases, wanted {open_count}")

    def _running(self) -> int:
        with self.db.connect() as conn:
            return conn.scalar(
                select(func.count())
                .select_from(ProcessInstance)
                .where(ProcessInstance.status == InstanceStatus.RUNNING)
            )

    def _retire(self, ids: list[int]) -> None:
        table = ProcessInstance.__table__
        for start in range(0, len(ids), 1_000):
            with self.db.begin() as conn:
                conn.execute(
                    update(table)
                    .where(table.c.id.in_(ids[start : start + 1_000]))
                    .values(status=InstanceStatus.CANCELLED.value)
                )

    def _insert_not_due(self, count: int) -> None:
        base = dict(self.template.instance, lock_version=1)
        for start in range(0, count, INSERT_BATCH):
            rows = [
                dict(base, next_timer_at=NOT_DUE_FROM + timedelta(seconds=i))
                for i in range(start, min(start + INSERT_BATCH, count))
            ]
            with self.db.begin() as conn:
                conn.execute(insert(ProcessInstance.__table__), rows)

    def _insert_due(self, count: int) -> None:
        """Due copies fire for real: fresh task ids and their open review row."""
        if not count:
            return
        states, task_ids = zip(
            *(
                with_fresh_uuids(self.template.instance["state"], self.template.task["spiff_task_id"])
                for _ in range(count)
            )
        )
        table = ProcessInstance.__table__
        base = dict(self.template.instance, lock_version=1)
        with self.db.begin() as conn:
            ids = (
                conn.execute(
                    insert(table).returning(table.c.id, sort_by_parameter_order=True),
                    [dict(base, state=state) for state in states],
                )
                .scalars()
                .all()
            )
            conn.execute(
                insert(HumanTask.__table__),
                [dict(self.template.task, instance_id=i, spiff_task_id=t) for i, t in zip(ids, task_ids)],
            )
        self.due_ids = list(ids)

    def _delete_not_due(self, count: int) -> None:
        """Bare copies only: no task rows, no audit, nothing refers to them."""
        table = ProcessInstance.__table__
        bare = (
            select(table.c.id)
            .outerjoin(HumanTask.__table__, HumanTask.__table__.c.instance_id == table.c.id)
            .where(table.c.next_timer_at >= NOT_DUE_FROM, HumanTask.__table__.c.id.is_(None))
            .order_by(table.c.id.desc())
            .limit(count)
        )
        with self.db.begin() as conn:
            victims = conn.scalars(bare).all()
            conn.execute(delete(table).where(table.c.id.in_(victims)))

    def _settle(self) -> None:
        """Time the sweep, not the bulk load's aftermath: fresh planner statistics everywhere and, on
        PostgreSQL, the vacuum and checkpoint that autovacuum and the checkpointer would run mid-sweep."""
        if self.db.dialect.name != "postgresql":
            with self.db.begin() as conn:
                conn.execute(text("ANALYZE"))
            return
        with self.db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) process_instance, human_task"))
            conn.execute(text("CHECKPOINT"))


# --- sweep -----------------------------------------------------------------------


@dataclass(frozen=True)
class SweepRun:
    """One open/due mix, swept `repeat` times on fresh due rows."""

    open_count: int
    due: int
    seconds: list[float]
    fired: int
    failed: int
    setup_seconds: float

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def one_sweep(sessions, population: Population) -> tuple[float, int, int]:
    with clock.frozen(SWEEP_AT):
        began = time.perf_counter()
        result = sweep.sweep(sessions)
        seconds = time.perf_counter() - began
    if sorted(result.instances) != sorted(population.due_ids):
        raise SystemExit(f"sweep fired {len(result.instances)} cases, expected the {len(population.due_ids)} due ones")
    return seconds, result.fired, len(result.failed)


def timed_sweeps(sessions, population: Population, open_count: int, due: int, repeat: int) -> SweepRun:
    seconds, fired, failed, setup = [], 0, 0, 0.0
    for _ in range(repeat):
        began = time.perf_counter()
        population.resize(open_count, due)
        setup += time.perf_counter() - began
        took, fired_now, failed_now = one_sweep(sessions, population)
        seconds.append(took)
        fired, failed = fired + fired_now, failed + failed_now
    return SweepRun(open_count, due, seconds, fired // repeat, failed, setup)


def sweep_mixes(open_count: int) -> list[tuple[int, int]]:
    """Ordered so the population only grows: a tenth of the open cases first, then all of them."""
    return [(open_count // 10, 100), (open_count, 0), (open_count, 100), (open_count, 1_000)]


def sweep_runs(db, sessions, open_count: int, repeat: int) -> list[SweepRun]:
    population = Population(db, real_waiting_case(sessions))
    return [timed_sweeps(sessions, population, o, d, repeat) for o, d in sweep_mixes(open_count)]


# --- printing ----------------------------------------------------------------------


@dataclass(frozen=True)
class BackendResult:
    name: str
    per_case: float
    statements: int
    floor: float
    floor_statements: int
    sweeps: list[SweepRun]
    profile: str = ""


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def progress(message: str) -> None:
    """To stderr, so stdout holds only the figures."""
    print(f"... {message}", file=sys.stderr, flush=True)


def throughput_row(label: str, per_case: float, bare: float, statements: int | None = None) -> str:
    sql = f"{statements:>10}" if statements is not None else f"{'-':>10}"
    return f"  {label:<36}{1 / per_case:9.1f}{per_case * 1000:10.2f}{per_case / bare:9.1f}x{sql}"


def print_throughput(args, bare: float, floor: float, results: list[BackendResult]) -> None:
    print(
        f"\nThroughput: {THREE_TASKS.name}; a case = start + 3 completions, each its own transaction; "
        f"median of {ROUNDS} rounds over {args.cases} cases after {args.warmup} warm-up"
    )
    print(f"  {'':<36}{'cases/s':>9}{'ms/case':>10}{'vs bare':>10}{'SQL/case':>10}")
    print(throughput_row("bare SpiffWorkflow, in memory", bare, bare))
    print(throughput_row("bare + state saved/restored per step", floor, bare))
    for r in results:
        print(throughput_row(f"floor, {r.name}", r.floor, bare, r.floor_statements))
        print(throughput_row(f"service layer, {r.name}", r.per_case, bare, r.statements))
    for r in results:
        ratio = r.per_case / r.floor
        print(
            f"  target: {r.name} service layer <= {FLOOR_TARGET}x its floor: {ratio:.2f}x"
            f"   {verdict(ratio <= FLOOR_TARGET)};  <= {STATEMENTS_TARGET} SQL statements per case: "
            f"{r.statements}   {verdict(r.statements <= STATEMENTS_TARGET)}"
        )


def print_sweeps(results: list[BackendResult], repeat: int) -> None:
    print(
        f"\nSweep: one sweep.sweep() call at {SWEEP_AT:%Y-%m-%d %H:%M} Shanghai, median of {repeat} on fresh "
        f"due rows; the open cases are copies of one real {TIMER_WAIT.name} case"
    )
    print(
        f"  {'':<12}{'open':>9}{'due':>7}{'sweep s':>10}{'min-max s':>15}{'ms/due':>9}{'fired':>7}{'failed':>7}"
        f"{'setup s':>9}"
    )
    for r in results:
        for run in r.sweeps:
            per_due = f"{run.median * 1000 / run.due:9.2f}" if run.due else f"{'-':>9}"
            spread = f"{min(run.seconds):.3f}-{max(run.seconds):.3f}"
            print(
                f"  {r.name:<12}{run.open_count:>9,}{run.due:>7,}{run.median:10.3f}{spread:>15}{per_due}"
                f"{run.fired:>7}{run.failed:>7}{run.setup_seconds:9.1f}"
            )
    for r in results:
        print_sweep_verdicts(r.name, r.sweeps)


def print_sweep_verdicts(backend: str, runs: list[SweepRun]) -> None:
    small, _empty, full, many = runs
    print(
        f"  {backend}: {full.open_count:,} open / {full.due} due in {full.median:.3f} s"
        f"   target < {SWEEP_TARGET_S:.0f} s: {verdict(full.median < SWEEP_TARGET_S)}"
    )
    open_growth = full.median / small.median
    due_growth = many.median / full.median
    follows_due = open_growth < 2 and due_growth > (many.due / full.due) / 2
    print(
        f"  {backend}: {full.open_count / small.open_count:.0f}x the open cases -> {open_growth:.2f}x the time;"
        f" {many.due / full.due:.0f}x the due cases -> {due_growth:.2f}x the time"
        f"   grows with due, not open: {verdict(follows_due)}"
    )


# --- profiling -----------------------------------------------------------------------

HOTSPOTS = [  # (label, file suffix, function): cumulative costs worth naming in a report
    ("engine.start", "workflows/engine/runtime.py", "start"),
    ("engine.complete_task", "workflows/engine/runtime.py", "complete_task"),
    ("runtime._restore (deserialize state)", "workflows/engine/runtime.py", "_restore"),
    ("serialization.dump (serialize state)", "workflows/engine/serialization.py", "dump"),
    ("runtime._sync (rows beside state, save)", "workflows/engine/runtime.py", "_sync"),
    ("runtime._task_row (mirror a ready task)", "workflows/engine/runtime.py", "_task_row"),
    ("engine.can_act", "workflows/engine/runtime.py", "can_act"),
    ("versions.latest_version", "workflows/engine/versions.py", "latest_version"),
    ("audit.record", "workflows/audit.py", "record"),
    ("events.publish", "workflows/events.py", "publish"),
    ("SpiffWorkflow do_engine_steps", "bpmn/workflow.py", "do_engine_steps"),
    ("Session.get", "orm/session.py", "get"),
    ("Session.refresh", "orm/session.py", "refresh"),
    ("Session.flush", "orm/session.py", "flush"),
    ("Session.commit", "orm/session.py", "commit"),
    ("Session.execute (queries, claims)", "orm/session.py", "execute"),
    ("DBAPI cursor.execute (driver + DB)", "default.py", "do_execute"),
]


def profile_service_layer(sessions, cases: int) -> str:
    """cProfile the service layer: the big cumulative costs by name, then the top functions by own time."""
    actors = demo_actors(sessions)
    profiler = cProfile.Profile()
    with clock.frozen(CASES_AT):
        profiler.runcall(lambda: [service_case(sessions, actors) for _ in range(cases)])
    stats = pstats.Stats(profiler)
    total = sum(tt for _, _, tt, _, _ in stats.stats.values())
    lines = [
        f"\nProfile: {cases} service-layer cases on SQLite, {total * 1000 / cases:.2f} ms/case under cProfile",
        f"  {'cumulative cost':<42}{'ms/case':>9}{'share':>8}",
    ]
    for label, suffix, name in HOTSPOTS:
        found = [
            ct for (file, _, func), (_, _, _, ct, _) in stats.stats.items() if func == name and file.endswith(suffix)
        ]
        if found:
            lines.append(f"  {label:<42}{sum(found) * 1000 / cases:9.2f}{sum(found) / total:8.0%}")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    lines.append("  top 20 functions by own time (ncalls tottime percall cumtime percall):")
    lines += [
        "  " + re.sub(r"\S*/site-packages/|" + re.escape(str(ROOT)) + "/", "", line)
        for line in out.getvalue().splitlines()[6:]
        if line.strip()
    ]
    return "\n".join(lines)


# --- main --------------------------------------------------------------------------


def backends(args):
    if args.only in (None, "sqlite"):
        yield "SQLite", sqlite_url()
    if args.only in (None, "postgres"):
        yield "PostgreSQL", postgres_url(args.pg_url)


def measure_backend(name: str, url: str, args) -> BackendResult:
    db, sessions = prepared(url)
    try:
        progress(f"{name}: {args.cases} service-layer cases")
        per_case, statements = service_throughput(db, sessions, args.cases, args.warmup)
        progress(f"{name}: {args.cases} floor cases (state + one UPDATE and one audit INSERT per step)")
        floor, floor_statements = floor_throughput(db, sessions, args.cases, args.warmup)
        progress(f"{name}: sweeps over up to {args.open:,} open cases")
        sweeps = sweep_runs(db, sessions, args.open, args.repeat)
        profile = ""
        if args.profile and name == "SQLite":
            progress(f"{name}: profiling {args.cases} cases")
            profile = profile_service_layer(sessions, args.cases)
        return BackendResult(name, per_case, statements, floor, floor_statements, sweeps, profile)
    finally:
        db.dispose()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="timed cases per engine (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed cases first (default 20)")
    parser.add_argument("--open", type=int, default=100_000, help="open instances for the sweep (default 100,000)")
    parser.add_argument("--repeat", type=int, default=3, help="sweeps per open/due mix (default 3)")
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="run one database only")
    parser.add_argument("--pg-url", default=PG_SERVER, help="server to create the bench database on")
    parser.add_argument("--profile", action="store_true", help="also cProfile the SQLite service layer")
    args = parser.parse_args(argv)
    if args.open < MIN_OPEN:
        parser.error(f"--open must be at least {MIN_OPEN:,} (a tenth of it holds 100 due cases and more)")
    return args


def code_version() -> str:
    """Which code was measured: the commit, and whether workflows/ had uncommitted changes."""

    def git(*cmd):
        return subprocess.run(["git", "-C", str(ROOT), *cmd], capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" + uncommitted workflows/ changes" if git("status", "--porcelain", "workflows") else "")


def main(argv=None) -> None:
    args = parse_args(argv)
    bootstrap.bootstrap()
    began = time.perf_counter()
    print(
        f"Engine benchmark: Python {platform.python_version()}, SpiffWorkflow {SpiffWorkflow.__version__}, "
        f"SQLAlchemy {sqlalchemy.__version__}, {os.cpu_count()} CPUs, load average at start "
        f"{os.getloadavg()[0]:.1f}; code {code_version()}"
    )
    progress("bare SpiffWorkflow in memory")
    bare = in_memory_throughput(bare_case, args.cases, args.warmup)
    floor = in_memory_throughput(state_floor_case, args.cases, args.warmup)
    results = []
    for name, database in backends(args):
        with database as url:
            results.append(measure_backend(name, url, args))
    print_throughput(args, bare, floor, results)
    print_sweeps(results, args.repeat)
    for r in results:
        if r.profile:
            print(r.profile)
    print(f"\nTotal {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
