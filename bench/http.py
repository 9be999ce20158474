"""HTTP load benchmark: the JSON API under concurrent applicants and reviewers, served by gunicorn on PostgreSQL.

What is measured
  Setup (automated, not timed): a fresh PostgreSQL database `bench_<hex>` is created, then
  `.venv/bin/flask --app webapp seed-demo` migrates it and loads the demo organisation, catalog and
  the diagrams in bpmn/ (exactly what a new installation does). One API token is made per simulated
  user with workflows.accounts.create_token (in-process, the service `flask create-token` calls), so
  no two users share a token row. gunicorn then serves `webapp:create_app()` on a free 127.0.0.1
  port (default `-w 4 -k sync`: four workers, as deploy/xiayi-web.service runs them; a busy sync worker
  accepts no connection. `--worker-class gthread` to compare: its main thread accepts and queues
  connections while its one thread is busy, so a request waits in one worker while another idles -
  at saturation the same throughput, twice the p95 - and threads of one worker share one GIL), env
  DATABASE_URL and SECRET_KEY, access log with the request time and worker pid, until /healthz answers.

  Load: --users closed-loop users (default 50) for --seconds (default 60), one asyncio task each,
  sharing one httpx.AsyncClient, no think time unless --think-ms:
    applicants (60%, default 30; the 19 demo people with role applicant, round-robin):
      POST /api/v1/applications for a 有条件共享 resource of ANOTHER unit (the provider unit is
      drawn uniformly among the 18 units that own such resources, then one of its resources), with
      1-2 of its info items, scenario/basis/purpose, frequency daily, valid_until one year ahead,
      undertaking true and always a sensitive_justification; then GET /api/v1/applications/<id>.
    reviewers (40%, default 20; the 19 demo reviewers of those 18 units, round-robin, so
      县公安局/县民政局/县人社局 have two reviewers each and can collide):
      GET /api/v1/tasks, pick one open data_application review task at random and
      POST /api/v1/tasks/<id>/complete with approve (70%) or reject with a specific reason (30%);
      in 15% of the rounds also GET /api/v1/grants?scope=provider. With nothing to review the
      reviewer waits --idle-ms (200) before asking again.
  A 409 already_handled on a completion is the expected outcome when two reviewers of one unit
  pick the same task: counted in its own column, not as an error. Every other non-2xx answer and
  every transport error/timeout is an error. Users stop starting requests at the deadline; the
  requests in flight finish and count. The first --warmup seconds (default 5) of the same load are
  not counted (each gunicorn worker imports WeasyPrint and parses the BPMN on first use).

  Connections: by default every request opens its own connection (`Connection: close`), as behind
  a reverse proxy without upstream keep-alive (nginx's default), so requests spread over the
  workers. --keep-alive reuses one connection per user instead; gunicorn's gthread worker keeps a
  connection on the worker that accepted it, and a burst of new connections is typically accepted
  by ONE worker: then all the load runs in one process (one GIL) - the "per worker" line shows it.

  Printed: total requests, throughput, requests in flight on average (Little's law: near --users
  means the server is saturated and latency is queueing), and per endpoint (method + route
  template) count, client latency p50/p95/p99/max in ms (request sent -> body read; includes
  queueing in gunicorn and the client's own event-loop delay), server time p50/p95 (gunicorn access
  log %(D)s: from a worker thread picking the request up to the response written), errors and 409s;
  PASS/MISS for the targets (p95 < 150 ms for POST /api/v1/tasks/{id}/complete and GET
  /api/v1/tasks; zero errors); the load average before/after, CPU seconds used by gunicorn, by the
  PostgreSQL backends of the bench database and by this client (from /proc), the requests per
  gunicorn worker, and the gunicorn/app/client configuration. Finally what the database holds
  (applications by status, open review tasks per unit, grants, records, ...).

  --profile attaches py-spy (`.venv/bin/pip install py-spy`) to the gunicorn master with
  --subprocesses for the measured window and prints the request threads' samples by view, by kind
  of work (PostgreSQL round trips, SQLAlchemy, WeasyPrint, SpiffWorkflow, ...), by app function
  (inclusive) and by leaf function; the collapsed stacks are kept in $TMPDIR/bench-http-<db>.collapsed.
  --profile-gil samples only the thread holding the GIL (Python CPU without the waits). py-spy
  costs CPU itself: compare figures of runs without it.

Run
  .venv/bin/python bench/http.py                       # 50 users, 60 s (~1.5 min with setup)
  .venv/bin/python bench/http.py --users 20 --seconds 20
  .venv/bin/python bench/http.py --think-ms 2000       # users pause 2 s after each round
  .venv/bin/python bench/http.py --workers 2 --threads 8 --keep-alive
  .venv/bin/python bench/http.py --profile [--profile-gil]

PostgreSQL must accept `postgres` on 127.0.0.1:5432 (or --pg-url). Everything stays on 127.0.0.1.
gunicorn is stopped and the database dropped WITH (FORCE) at the end, also on Ctrl-C, SIGTERM or
errors. On a shared 2-core box the client, gunicorn and PostgreSQL compete for the same CPUs: read
the figures next to the printed load average and CPU use. A benchmark, never a test: it exits 1
when a target is missed, 0 when all pass.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named http.py: keep its own folder off sys.path, or `import http` (httpx, werkzeug,
# urllib) would find this script instead of the standard library package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import asyncio
import collections
import contextlib
import csv
import itertools
import math
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import databases  # noqa: E402
from workflows import clock
from workflows.db import make_engine, make_session_factory, normalize_url  # noqa: E402
from workflows.organisation import accounts  # noqa: E402

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
VENV_BIN = ROOT / ".venv" / "bin"
SEED = ROOT / "workflows" / "seed"
HOST = "127.0.0.1"
TARGET_P95_MS = 150.0
TARGET_CPU_MS = 8.0
TARGET_RPS = 150.0
TARGET_ROUTES = ("POST /api/v1/tasks/{id}/complete", "GET /api/v1/tasks")
ROUTE_ORDER = (
    "POST /api/v1/applications",
    "GET /api/v1/applications/{id}",
    "GET /api/v1/tasks",
    "POST /api/v1/tasks/{id}/complete",
    "GET /api/v1/grants",
)
APPLICANT_SHARE = 0.6
APPROVE_SHARE = 0.7
GRANTS_SHARE = 0.15
# a rejection as the review rules want it (R17): a category, the fact it asks for, and a reason specific to it
REJECT = {
    "decision": "reject",
    "rejection_category": "security",
    "provision": "《中华人民共和国数据安全法》第二十一条",
    "reason": "该资源属于重要数据，依数据分类分级保护制度须经本单位主要负责人审批后方可对外提供",
}
REQUEST_TIMEOUT_S = 30.0
CLIENT_KEEPALIVE_S = 1.0
ID_RE = re.compile(r"/\d+(?=/|$)")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- demo data ---------------------------------------------------------------------


def read_csv(name: str) -> list[dict]:
    with open(SEED / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass
class Demo:
    applicants: list[dict]  # people.csv rows with role applicant
    reviewers: list[dict]  # reviewers of units that own 有条件共享 resources
    conditional: dict[str, list[dict]]  # provider unit code -> its 有条件共享 resources (with "items")


def load_demo() -> Demo:
    items: dict[str, list[str]] = collections.defaultdict(list)
    for row in read_csv("info_items.csv"):
        items[row["resource_code"]].append(row["name"])
    conditional: dict[str, list[dict]] = collections.defaultdict(list)
    for row in read_csv("resources.csv"):
        if row["share_type"] == "有条件共享" and items[row["code"]]:
            conditional[row["provider_unit_code"]].append(row | {"items": items[row["code"]]})
    people = read_csv("people.csv")
    applicants = [p for p in people if "applicant" in p["roles"].split(";")]
    reviewers = [p for p in people if "reviewer" in p["roles"].split(";") and p["unit_code"] in conditional]
    return Demo(applicants, reviewers, dict(conditional))


@dataclass
class User:
    kind: str  # applicant | reviewer
    username: str
    unit_code: str
    token: str = ""


def plan_users(demo: Demo, count: int) -> list[User]:
    n_app = max(1, round(count * APPLICANT_SHARE)) if count > 1 else 1
    n_rev = max(0, count - n_app)
    users = [
        User("applicant", p["username"], p["unit_code"])
        for p in (demo.applicants[i % len(demo.applicants)] for i in range(n_app))
    ]
    users += [
        User("reviewer", p["username"], p["unit_code"])
        for p in (demo.reviewers[i % len(demo.reviewers)] for i in range(n_rev))
    ]
    return users


# --- database ------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(server: str):
    """A new bench_<hex> database, dropped WITH (FORCE) however the run ends."""
    with databases.postgres_url(server, drop_guard=_signals_deferred) as db_url:
        name = make_url(db_url).database
        log(f"created database {name}")
        try:
            yield name, db_url
        finally:
            log(f"dropping database {name}")


def seed_demo(env: dict) -> str:
    began = time.perf_counter()
    done = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "webapp", "seed-demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seed-demo failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    log(f"seed-demo in {time.perf_counter() - began:.1f} s")
    return done.stdout.strip()


def make_tokens(db_url: str, users: list[User]) -> None:
    """One token per simulated user (the same service `flask create-token` calls)."""
    engine = make_engine(db_url)
    try:
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            for user in users:
                user.token = accounts.create_token(session, user.username)
    finally:
        engine.dispose()


def database_figures(db_url: str) -> list[tuple[str, object]]:
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            by_status = dict(conn.execute(text("SELECT status, count(*) FROM application GROUP BY status")).all())
            open_tasks = conn.execute(
                text(
                    "SELECT u.code, count(*) FROM human_task t LEFT JOIN unit u ON u.id = t.unit_id "
                    "WHERE t.status = 'open' AND t.role = 'reviewer' GROUP BY u.code ORDER BY 2 DESC"
                )
            ).all()
            scalar = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
            return [
                ("applications by status", ", ".join(f"{k} {v}" for k, v in sorted(by_status.items())) or "none"),
                (
                    "open review tasks",
                    f"{sum(n for _, n in open_tasks)} (per unit: " + ", ".join(f"{u} {n}" for u, n in open_tasks) + ")",
                ),
                ("grants", scalar("SELECT count(*) FROM data_grant")),
                ("approval records (PDF)", scalar("SELECT count(*) FROM approval_record")),
                (
                    "avg PDF size",
                    f"{scalar('SELECT coalesce(avg(length(pdf)), 0) FROM approval_record') / 1024:.0f} KiB",
                ),
                ("audit rows", scalar("SELECT count(*) FROM audit_event")),
                (
                    "inbox / outbox rows",
                    f"{scalar('SELECT count(*) FROM notification')} / "
                    f"{scalar('SELECT count(*) FROM outbox_email')}",
                ),
                ("database size", scalar("SELECT pg_size_pretty(pg_database_size(current_database()))")),
            ]
    finally:
        engine.dispose()


# --- gunicorn ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    argv: list[str]
    base_url: str
    access_log: Path
    error_log: Path


ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s %(p)s"  # method, path, status, microseconds, worker pid


@contextlib.contextmanager
def gunicorn(env: dict, workers: int, threads: int, folder: Path, worker_class: str = "sync"):
    """worker_class "sync", as deploy/xiayi-web.service runs it, takes one connection at a time: a busy worker accepts
    no other. A gthread worker queues every connection it accepts, even with one thread, while another idles."""
    port = free_port()
    access_log, error_log = folder / "access.log", folder / "error.log"
    argv = [
        str(VENV_BIN / "gunicorn"),
        "-w",
        str(workers),
        "-k",
        worker_class,
        "--threads",
        str(threads),
        "-b",
        f"{HOST}:{port}",
        "--access-logfile",
        str(access_log),
        "--access-logformat",
        ACCESS_FORMAT,
        "--error-logfile",
        str(error_log),
        "webapp:create_app()",
    ]
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Server(process, argv, f"http://{HOST}:{port}", access_log, error_log)
    try:
        _wait_healthy(server)
        yield server
    finally:
        with _signals_deferred():
            _stop(process)
        log(f"gunicorn (pid {process.pid}) stopped")


def _wait_healthy(server: Server, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.process.returncode}:\n{_tail(server.error_log)}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2.0).status_code == 200:
                log(f"gunicorn (pid {server.process.pid}) answers on {server.base_url}")
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{_tail(server.error_log)}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the master (it stops its workers), SIGKILL to its process group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the group gunicorn leads (start_new_session)
            process.wait(10)


def _tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def cpu_seconds(gunicorn_pid: int, db_name: str) -> tuple[float, dict[int, float]]:
    """utime + stime (s) from /proc: gunicorn master + workers, and per PostgreSQL backend of db_name."""
    tick = os.sysconf("SC_CLK_TCK")
    server, backends = 0.0, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            used = (int(fields[11]) + int(fields[12])) / tick
            if int(entry.name) == gunicorn_pid or int(fields[1]) == gunicorn_pid:
                server += used
            elif f" {db_name} ".encode() in (entry / "cmdline").read_bytes().replace(b"\0", b" ") + b" ":
                backends[int(entry.name)] = used  # "postgres: 15/main: postgres bench_... 127.0.0.1(port) idle"
    return server, backends


@dataclass
class Cpu:
    server: float = 0.0
    postgres: float = 0.0
    client: float = 0.0


class CpuMeter:
    """CPU used during the load by gunicorn, by the PostgreSQL backends serving it, and by this client."""

    def __init__(self, gunicorn_pid: int, db_name: str):
        self.pid, self.db_name = gunicorn_pid, db_name
        self.server0, self.backends0 = cpu_seconds(gunicorn_pid, db_name)
        self.client0 = time.process_time()

    def used(self) -> Cpu:
        server, backends = cpu_seconds(self.pid, self.db_name)  # the pools keep their backends open
        return Cpu(
            server - self.server0,
            sum(v - self.backends0.get(pid, 0.0) for pid, v in backends.items()),
            time.process_time() - self.client0,
        )


@contextlib.contextmanager
def _signals_deferred():
    """Let cleanup finish: a second Ctrl-C during it is held until it is done."""
    pending = []
    previous = signal.signal(signal.SIGINT, lambda *a: pending.append(a))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pending:
        raise KeyboardInterrupt


# --- load ----------------------------------------------------------------------------


@dataclass
class Sample:
    route: str
    status: int  # 0 = transport error
    ms: float
    outcome: str  # ok | conflict | error
    detail: str = ""
    cpu_ms: float = 0.0  # the worker's CPU for this request (Server-Timing), and its time waiting on the database
    db_ms: float = 0.0


@dataclass
class Run:
    measure_from: float
    samples: list[Sample] = field(default_factory=list)
    task_list_sizes: list[int] = field(default_factory=list)
    idle_polls: int = 0
    decisions: collections.Counter = field(default_factory=collections.Counter)
    last_answer: float = 0.0  # monotonic time the last request ended

    def measuring(self) -> bool:
        return time.monotonic() >= self.measure_from


def route_of(method: str, path: str) -> str:
    return f"{method} {ID_RE.sub('/{id}', path.split('?', 1)[0])}"


async def call(
    client: httpx.AsyncClient,
    run: Run,
    user: User,
    method: str,
    path: str,
    body: dict | None = None,
    params: dict | None = None,
    conflict_ok: bool = False,
):
    """One request; records it when inside the measured window. Returns the parsed JSON or None."""
    route = route_of(method, path)
    counted = run.measuring()
    began = time.perf_counter()
    try:
        response = await client.request(
            method, path, json=body, params=params, headers={"Authorization": f"Bearer {user.token}"}
        )
        ms = (time.perf_counter() - began) * 1000
    except httpx.HTTPError as exc:
        ms = (time.perf_counter() - began) * 1000
        run.last_answer = time.monotonic()
        if counted:
            run.samples.append(Sample(route, 0, ms, "error", f"{type(exc).__name__}: {exc}"[:200]))
        return None
    run.last_answer = time.monotonic()
    data = None
    with contextlib.suppress(ValueError):
        data = response.json()
    code = data.get("code") if isinstance(data, dict) else None
    if 200 <= response.status_code < 300:
        outcome = "ok"
    elif conflict_ok and response.status_code == 409 and code == "already_handled":
        outcome = "conflict"
    else:
        outcome = "error"
    if counted:
        message = data.get("message") if isinstance(data, dict) else None
        detail = "" if outcome == "ok" else f"{code}: {message or response.text[:120]}"
        run.samples.append(
            Sample(
                route,
                response.status_code,
                ms,
                outcome,
                detail[:200],
                *server_timing(response.headers.get("Server-Timing", "")),
            )
        )
    return data if outcome == "ok" else None


def server_timing(header: str) -> tuple[float, float]:
    """(cpu ms, db ms) from the app's `Server-Timing: cpu;dur=…, db;dur=…`."""
    found = dict(re.findall(r"(\w+);dur=([0-9.]+)", header))
    return float(found.get("cpu", 0)), float(found.get("db", 0))


async def pause(seconds: float, deadline: float) -> None:
    """Think or idle time, never past the deadline (so it does not stretch the measured window)."""
    if seconds > 0:
        await asyncio.sleep(max(0.0, min(seconds, deadline - time.monotonic())))


_NEEDS = itertools.count(1)


async def applicant(
    client: httpx.AsyncClient, run: Run, user: User, demo: Demo, deadline: float, rng: random.Random, think: float
) -> None:
    units = [u for u in demo.conditional if u != user.unit_code]
    valid_until = (clock.today() + timedelta(days=365)).isoformat()
    while time.monotonic() < deadline:
        need = next(_NEEDS)  # each round a different need: one unit's identical application is refused (409) by design
        resource = rng.choice(demo.conditional[rng.choice(units)])
        body = {
            "resource_code": resource["code"],
            "items": rng.sample(resource["items"], k=min(len(resource["items"]), rng.choice((1, 2)))),
            "scenario": f"压力测试：{resource['name']}用于政务服务事项办理中的信息核验（第 {need} 批）",
            "basis": "《政务信息资源共享管理暂行办法》第十条",
            "purpose": "核验办事群众提交的信息",
            "frequency": "daily",
            "valid_until": valid_until,
            "undertaking": True,
            "sensitive_justification": "办理业务时必须核对当事人身份，无法以其他方式替代",
        }
        created = await call(client, run, user, "POST", "/api/v1/applications", body)
        if created and time.monotonic() < deadline:
            await call(client, run, user, "GET", f"/api/v1/applications/{created['id']}")
        await pause(think, deadline)


async def reviewer(
    client: httpx.AsyncClient, run: Run, user: User, deadline: float, rng: random.Random, think: float, idle: float
) -> None:
    while time.monotonic() < deadline:
        counted = run.measuring()
        listed = await call(client, run, user, "GET", "/api/v1/tasks")
        items = (listed or {}).get("items") or []
        if counted and listed is not None:
            run.task_list_sizes.append(len(items))
        reviews = [t for t in items if t.get("process") == "data_application" and t.get("role") == "reviewer"]
        if not reviews:
            if counted:
                run.idle_polls += 1
            await pause(idle, deadline)
            continue
        if time.monotonic() >= deadline:
            break
        task = rng.choice(reviews)
        if rng.random() < APPROVE_SHARE:
            decision, body = "approve", {"decision": "approve"}
        else:
            decision, body = "reject", dict(REJECT)
        counted = run.measuring()
        done = await call(client, run, user, "POST", f"/api/v1/tasks/{task['id']}/complete", body, conflict_ok=True)
        if done is not None and counted:
            run.decisions[decision] += 1
        if rng.random() < GRANTS_SHARE and time.monotonic() < deadline:
            await call(client, run, user, "GET", "/api/v1/grants", params={"scope": "provider"})
        await pause(think, deadline)


async def drive(
    base_url: str,
    users: list[User],
    demo: Demo,
    warmup: float,
    seconds: float,
    seed: int,
    think_ms: float,
    idle_ms: float,
    keep_alive: bool,
) -> tuple[Run, float]:
    if keep_alive:
        # gunicorn closes a keep-alive connection after 2 s idle (--keep-alive default); the client must give it
        # up first, or a request sent as the server closes it fails with ReadError (a harness artefact)
        limits = httpx.Limits(
            max_connections=len(users) + 4,
            max_keepalive_connections=len(users) + 4,
            keepalive_expiry=CLIENT_KEEPALIVE_S,
        )
        headers = {}
    else:
        # like a reverse proxy without upstream keep-alive (nginx's default): one connection per request, so
        # every request goes to whichever worker accepts it; kept-alive connections stay with one worker
        limits = httpx.Limits(max_connections=len(users) + 4, max_keepalive_connections=0)
        headers = {"Connection": "close"}
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_S, trust_env=False, headers=headers
    ) as client:
        start = time.monotonic()
        run = Run(measure_from=start + warmup)
        deadline = run.measure_from + seconds
        master = random.Random(seed)
        jobs = []
        for user in users:
            rng = random.Random(master.random())
            if user.kind == "applicant":
                jobs.append(applicant(client, run, user, demo, deadline, rng, think_ms / 1000))
            else:
                jobs.append(reviewer(client, run, user, deadline, rng, think_ms / 1000, idle_ms / 1000))
        tasks = [asyncio.create_task(job) for job in jobs]
        interrupted = []

        def stop(signum):
            interrupted.append(signum)
            for task in tasks:
                task.cancel()

        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop, signum)
        try:
            # every loop stops at the deadline; this bound only guards against a stuck connection
            _, stuck = await asyncio.wait(tasks, timeout=warmup + seconds + REQUEST_TIMEOUT_S * 3)
            for task in stuck:
                task.cancel()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
    if interrupted:
        raise KeyboardInterrupt
    failures = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, asyncio.CancelledError)]
    if failures:
        raise failures[0]
    if stuck:
        log(f"{len(stuck)} users were still waiting after the outer bound and were cancelled")
    # the window: from the end of the warm-up to the deadline, or to the last in-flight answer after it
    return run, max(deadline, run.last_answer) - run.measure_from


# --- profiling -----------------------------------------------------------------------


@contextlib.contextmanager
def py_spy(master_pid: int, folder: Path, enabled: bool, duration: float, gil_only: bool = False):
    if not enabled:
        yield None
        return
    exe = VENV_BIN / "py-spy"
    if not exe.exists():
        exe = Path(shutil.which("py-spy") or "")
    if not exe.is_file():
        log("--profile: py-spy not found; install it with .venv/bin/pip install py-spy")
        yield None
        return
    out = folder / "py-spy.collapsed"
    argv = [
        str(exe),
        "record",
        "--pid",
        str(master_pid),
        "--subprocesses",
        "--format",
        "raw",
        "--rate",
        "50",
        "--duration",
        str(int(math.ceil(duration))),
        "--nonblocking",
        "-o",
        str(out),
        *(["--gil"] if gil_only else []),
    ]
    spy = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        yield out
    except BaseException:
        _stop_spy(spy, 0)  # interrupted: do not wait for the sampling window to end
        raise
    _stop_spy(spy, duration + 30)
    if spy.returncode != 0 and not out.exists():
        log(f"py-spy failed: {(spy.stderr.read() or b'').decode(errors='replace')[-800:]}")


def _stop_spy(spy: subprocess.Popen, grace: float) -> None:
    """Let py-spy finish its --duration (it writes the file on exit); SIGINT, then SIGKILL, after grace."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        spy.wait(grace)
        return
    spy.send_signal(signal.SIGINT)
    with contextlib.suppress(subprocess.TimeoutExpired):
        spy.wait(10)
    if spy.poll() is None:
        spy.kill()
        spy.wait()


APP_PACKAGES = ("workflows/", "webapp/", "notifications/")
KINDS = (
    ("WeasyPrint (PDF)", ("weasyprint/", "pydyf/", "cffi/", "tinycss2/", "cssselect2/", "fontTools/")),
    ("SpiffWorkflow", ("SpiffWorkflow/",)),
    ("Jinja2", ("jinja2/",)),
    ("SQLAlchemy (Python)", ("sqlalchemy/",)),
    ("Werkzeug/Flask", ("werkzeug/", "flask/")),
)


def profile_report(path: Path, top: int = 20) -> list[str]:
    """py-spy collapsed stacks of the request threads: by view, by kind of work, by app function, own time."""
    by_view, by_kind, app_incl, own, total = (
        collections.Counter(),
        collections.Counter(),
        collections.Counter(),
        collections.Counter(),
        0,
    )
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_short(f) for f in stack.split(";") if not f.startswith("process ")]
        if not any(f.startswith("ThreadWorker.handle_request") for f in frames):
            continue  # idle pollers, the arbiter, the keep-alive loop
        n = int(count)
        total += n
        app = [f for f in frames if _where(f).startswith(APP_PACKAGES)]
        by_view[next((f for f in app if _where(f).startswith("webapp/")), "(outside a view: gunicorn/flask)")] += n
        leaf = _where(frames[-1])
        if leaf.startswith("psycopg/"):
            kind = "PostgreSQL round trips (psycopg: send, wait for the answer)"
        else:
            kind = next(
                (
                    label
                    for label, prefixes in KINDS
                    if any(_where(f).startswith(prefixes) for f in frames)
                    and (label != "SQLAlchemy (Python)" or leaf.startswith("sqlalchemy/"))
                ),
                "other Python",
            )
        by_kind[kind] += n
        for name in set(app):
            app_incl[name] += n
        own[frames[-1]] += n
    if not total:
        return ["(no request samples)"]
    share = lambda counter, k: [f"  {n / total:6.1%}  {name}" for name, n in counter.most_common(k)]  # noqa: E731
    return [
        f"request-thread samples: {total}",
        "",
        "by view (first app frame):",
        *share(by_view, 10),
        "",
        "by kind of work:",
        *share(by_kind, 10),
        "",
        "app functions, inclusive:",
        *share(app_incl, top),
        "",
        "leaf functions (own samples):",
        *share(own, top),
    ]


def _short(frame: str) -> str:
    """'fn (path/to/site-packages/pkg/mod.py:12)' -> 'fn (pkg/mod.py)'."""
    match = re.match(r"(.*?) \((.*?)(?::\d+)?\)$", frame)
    if not match:
        return frame
    name, where = match.groups()
    for marker in ("site-packages/", f"{ROOT}/", "lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})"


def _where(short: str) -> str:
    return short.rsplit(" (", 1)[-1].rstrip(")")


# --- report --------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return float("nan")
    return values[max(0, min(len(values) - 1, math.ceil(q * len(values)) - 1))]


def server_times(access_log: Path, window_requests: int) -> tuple[dict[str, list[float]], collections.Counter]:
    """gunicorn %(D)s in ms per route, and requests per worker pid, over the last window_requests API requests."""
    rows = []
    with contextlib.suppress(OSError):
        for line in access_log.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 5 and parts[1].startswith("/api/") and parts[3].isdigit():
                rows.append((route_of(parts[0], parts[1]), int(parts[3]) / 1000, parts[4].strip("<>")))
    found: dict[str, list[float]] = collections.defaultdict(list)
    workers = collections.Counter()
    for route, ms, pid in rows[-window_requests:] if window_requests else []:
        found[route].append(ms)
        workers[pid] += 1
    return {k: sorted(v) for k, v in found.items()}, workers


def print_cpu_per_endpoint(routes: list[str], by_route: dict, cpu: "Cpu", measured_share: float) -> None:
    """The worker's own CPU per request from Server-Timing, and the PostgreSQL backends' CPU of the measured window
    shared out by each endpoint's share of the time requests spent waiting on the database (an apportionment:
    PostgreSQL cannot say which request used its CPU)."""
    db_total = sum(s.db_ms for rows in by_route.values() for s in rows) or 1.0
    postgres_ms = cpu.postgres * measured_share * 1000
    print()
    print(f"  {'endpoint':<34} {'count':>6} {'app CPU ms':>11} {'db wait ms':>11} {'PG CPU ms':>10}   (means)")
    for route in routes:
        rows = by_route[route]
        db_sum = sum(s.db_ms for s in rows)
        print(
            f"  {route:<34} {len(rows):>6} {sum(s.cpu_ms for s in rows) / len(rows):>11.1f} "
            f"{db_sum / len(rows):>11.1f} {postgres_ms * db_sum / db_total / len(rows):>10.1f}"
        )
    every = [s for rows in by_route.values() for s in rows]
    if every:
        app_cpu = sum(s.cpu_ms for s in every) / len(every)
        print(
            f"  {'all (mix)':<34} {len(every):>6} {app_cpu:>11.1f} {sum(s.db_ms for s in every) / len(every):>11.1f} "
            f"{postgres_ms / len(every):>10.1f}"
        )
        print(
            f"  target: app CPU per request <= {TARGET_CPU_MS:.0f} ms: {app_cpu:.1f} ms   "
            f"{'PASS' if app_cpu <= TARGET_CPU_MS else 'MISS'}  (request threads only; the gunicorn line below "
            "also counts the workers' start-up and idle)"
        )


def report(
    args,
    run: Run,
    elapsed: float,
    server: Server,
    users: list[User],
    load_before,
    load_after,
    cpu: Cpu,
    figures,
    seed_out: str,
    db_name: str,
) -> bool:
    samples = run.samples
    by_route: dict[str, list[Sample]] = collections.defaultdict(list)
    for s in samples:
        by_route[s.route].append(s)
    routes = [r for r in ROUTE_ORDER if r in by_route] + sorted(r for r in by_route if r not in ROUTE_ORDER)
    srv, per_worker = server_times(server.access_log, len(samples))
    errors = [s for s in samples if s.outcome == "error"]
    conflicts = sum(1 for s in samples if s.outcome == "conflict")
    n_app = sum(1 for u in users if u.kind == "applicant")

    print()
    print(
        f"HTTP load benchmark - {len(users)} users ({n_app} applicants, {len(users) - n_app} reviewers), "
        f"{args.seconds:g} s measured after {args.warmup:g} s warm-up, seed {args.seed}"
    )
    print(f"  total requests   {len(samples)}")
    print(f"  elapsed          {elapsed:.1f} s (until the last in-flight request answered)")
    rps = len(samples) / elapsed
    print(
        f"  throughput       {rps:.1f} req/s   target at saturation (no think time) >= {TARGET_RPS:.0f}: "
        f"{'PASS' if rps >= TARGET_RPS else 'MISS'}"
    )
    print(f"  errors           {len(errors)}    409 already_handled: {conflicts}")
    if samples:
        mean_s = sum(s.ms for s in samples) / len(samples) / 1000
        print(
            f"  in flight        {len(samples) / elapsed * mean_s:.1f} requests on average (throughput x mean "
            f"latency {mean_s * 1000:.0f} ms, Little's law) of {len(users)} users: near {len(users)} means every "
            f"user is waiting on the server, i.e. saturated"
        )
    print(
        f"  decisions        approve {run.decisions['approve']}, reject {run.decisions['reject']}; "
        f"idle task-list polls {run.idle_polls}"
    )
    if run.task_list_sizes:
        sizes = sorted(run.task_list_sizes)
        print(
            f"  task list size   mean {sum(sizes) / len(sizes):.1f}, p50 {pct(sizes, .5):.0f}, "
            f"max {sizes[-1]} items per GET /api/v1/tasks"
        )
    print()
    header = (
        f"  {'endpoint':<34} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'srv p50':>8} {'srv p95':>8} {'errors':>6} {'409':>5}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for route in routes:
        rows = by_route[route]
        ms = sorted(s.ms for s in rows)
        s_ms = srv.get(route, [])
        print(
            f"  {route:<34} {len(rows):>6} {pct(ms, .5):>8.1f} {pct(ms, .95):>8.1f} {pct(ms, .99):>8.1f} "
            f"{ms[-1]:>8.1f} {pct(s_ms, .5):>8.1f} {pct(s_ms, .95):>8.1f} "
            f"{sum(1 for s in rows if s.outcome == 'error'):>6} {sum(1 for s in rows if s.outcome == 'conflict'):>5}"
        )
    print(
        "  (p50-max: client side, send -> body read; srv: gunicorn request time %(D)s, excludes queueing "
        "before a worker thread picks the request up)"
    )
    print_cpu_per_endpoint(routes, by_route, cpu, elapsed / (args.warmup + elapsed))
    print()
    print("Targets")
    passed = True
    for route in TARGET_ROUTES:
        ms = sorted(s.ms for s in by_route.get(route, []))
        ok = bool(ms) and pct(ms, 0.95) < TARGET_P95_MS
        passed &= ok
        value = f"{pct(ms, .95):.1f} ms" if ms else "no requests"
        print(f"  {'PASS' if ok else 'MISS'}  p95 of {route:<34} < {TARGET_P95_MS:.0f} ms: {value}")
    zero_errors = not errors and bool(samples)
    passed &= zero_errors
    print(f"  {'PASS' if zero_errors else 'MISS'}  zero errors{'':<40}: {len(errors)} errors")
    if errors:
        print()
        print("Errors (first of each kind)")
        kinds = collections.Counter((s.route, s.status, s.detail) for s in errors)
        for (route, status, detail), n in kinds.most_common(10):
            print(f"  {n:>5} x {route} -> {status or 'transport'}: {detail}")
    print()
    print("Machine and configuration")
    print(
        f"  load average     before {' '.join(f'{x:.2f}' for x in load_before)}, "
        f"after {' '.join(f'{x:.2f}' for x in load_after)} (1/5/15 min), {os.cpu_count()} CPUs"
    )
    wall = args.warmup + elapsed
    busy = (cpu.server + cpu.postgres + cpu.client) / wall
    print(
        f"  CPU used         gunicorn {cpu.server:.1f} s, PostgreSQL backends {cpu.postgres:.1f} s, "
        f"this client {cpu.client:.1f} s, over {wall:.0f} s of load = {busy:.2f} of {os.cpu_count()} CPUs "
        "(the rest of the box: other processes)"
    )
    if samples:
        print(
            f"  CPU per request  gunicorn {cpu.server / len(samples) * 1000 * elapsed / wall:.1f} ms + "
            f"PostgreSQL {cpu.postgres / len(samples) * 1000 * elapsed / wall:.1f} ms (mix average)"
        )
    if per_worker:
        print(
            "  per worker       "
            + ", ".join(f"pid {pid}: {n} ({n / sum(per_worker.values()):.0%})" for pid, n in per_worker.most_common())
            + " of the requests"
        )
    print(f"  gunicorn         {' '.join(Path(a).name if i == 0 else a for i, a in enumerate(server.argv))}")
    import gunicorn as gunicorn_pkg
    import sqlalchemy

    print(
        f"  versions         Python {platform.python_version()}, gunicorn {gunicorn_pkg.__version__}, "
        f"httpx {httpx.__version__}, SQLAlchemy {sqlalchemy.__version__}"
    )
    print(
        f"  app              DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/{db_name}, SECRET_KEY set, "
        "SMTP off (in-app inbox only); SQLAlchemy pool per worker: default QueuePool 5 + 10 overflow, pre-ping"
    )
    connections = (
        f"keep-alive (idle {CLIENT_KEEPALIVE_S:g} s; gunicorn's is 2 s)"
        if args.keep_alive
        else "a new connection per request (Connection: close)"
    )
    print(
        f"  client           one httpx.AsyncClient, {len(users) + 4} connections max, {connections}, "
        f"timeout {REQUEST_TIMEOUT_S:.0f} s, think {args.think_ms:g} ms, idle wait {args.idle_ms:g} ms"
    )
    print(f"  seed-demo        {seed_out.splitlines()[0] if seed_out else ''}")
    print()
    print("Database after the run")
    for name, value in figures:
        print(f"  {name:<22} {value}")
    return zero_errors if args.errors_only else passed


# --- main ----------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring (not counted)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="sync", help="gunicorn -k (sync as deployed; gthread to compare)")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause after each user round")
    parser.add_argument("--idle-ms", type=float, default=200.0, help="reviewer pause when there is nothing to review")
    parser.add_argument(
        "--keep-alive",
        action="store_true",
        help="reuse one connection per user (gunicorn then serves each user from one worker)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--errors-only",
        action="store_true",
        help="exit status from errors alone (CI's smoke run: any 5xx or transport error fails, " "timing never does)",
    )
    parser.add_argument("--pg-url", default=PG_SERVER)
    parser.add_argument("--profile", action="store_true", help="py-spy the gunicorn workers during the measured window")
    parser.add_argument(
        "--profile-gil",
        action="store_true",
        help="with --profile: sample only the thread holding the GIL (Python CPU, no waits)",
    )
    args = parser.parse_args()
    args.pg_url = normalize_url(args.pg_url)
    if args.users < 2 or args.seconds <= 0:
        parser.error("--users >= 2 and --seconds > 0")
    if make_url(args.pg_url).host not in ("127.0.0.1", "localhost"):
        parser.error("--pg-url must point at 127.0.0.1")

    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored (`cmd &`)
    signal.signal(signal.SIGTERM, _interrupted)
    demo = load_demo()
    users = plan_users(demo, args.users)
    folder = Path(tempfile.mkdtemp(prefix="bench-http-"))
    try:
        with fresh_database(args.pg_url) as (db_name, db_url):
            env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "FLASK_"))}
            env |= {
                "DATABASE_URL": db_url,
                "SECRET_KEY": secrets.token_hex(32),
                "PYTHONUNBUFFERED": "1",
                "PUBLIC_BASE_URL": f"http://{HOST}:5000",
                "SERVER_TIMING": "1",
            }
            seed_out = seed_demo(env)
            make_tokens(db_url, users)
            log(f"{len(users)} API tokens created")
            with gunicorn(env, args.workers, args.threads, folder, args.worker_class) as server:
                load_before = os.getloadavg()
                meter = CpuMeter(server.process.pid, db_name)
                log(f"driving {len(users)} users: {args.warmup:g} s warm-up + {args.seconds:g} s measured ...")

                async def go():
                    return await drive(
                        server.base_url,
                        users,
                        demo,
                        args.warmup,
                        args.seconds,
                        args.seed,
                        args.think_ms,
                        args.idle_ms,
                        args.keep_alive,
                    )

                if args.profile:
                    run, elapsed = asyncio.run(_profiled(go, server, folder, args))
                else:
                    run, elapsed = asyncio.run(go())
                cpu = meter.used()
                load_after = os.getloadavg()
                time.sleep(0.5)  # let gunicorn flush its access log
                passed = report(
                    args,
                    run,
                    elapsed,
                    server,
                    users,
                    load_before,
                    load_after,
                    cpu,
                    database_figures(db_url),
                    seed_out,
                    db_name,
                )
                spy_out = folder / "py-spy.collapsed"
                if args.profile and spy_out.exists():
                    keep = Path(tempfile.gettempdir()) / f"bench-http-{db_name}.collapsed"
                    shutil.copy(spy_out, keep)
                    print()
                    mode = "GIL holder only: Python CPU" if args.profile_gil else "active threads: CPU and waits"
                    print(f"Profile of the gunicorn workers (py-spy, measured window, {mode}; stacks kept in {keep})")
                    for line in profile_report(spy_out):
                        print(f"  {line}")
        return 0 if passed else 1
    except KeyboardInterrupt:
        log("interrupted; cleaned up")
        return 130
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _interrupted(*_args):
    raise KeyboardInterrupt


async def _profiled(go, server: Server, folder: Path, args):
    """Start py-spy when the warm-up ends, so it samples the measured window only."""
    task = asyncio.ensure_future(go())
    await asyncio.sleep(args.warmup)
    with py_spy(server.process.pid, folder, True, args.seconds, args.profile_gil):
        result = await task
    return result


if __name__ == "__main__":
    sys.exit(main())
