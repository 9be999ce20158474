"""Usage at scale: N records ingested through the service and through HTTP (gunicorn) beside a bare COPY of the same
rows; a month's scorecards and the dashboard over a month of M raw records (PostgreSQL), beside the same before them.

What is measured
  Setup (not timed): a fresh database (a temp SQLite file, then a fresh bench_<hex> PostgreSQL database),
  migrated, with the demo organisation and catalog (whose own demo usage is ingested once), and on PostgreSQL the
  monthly partitions of the records' months; then every applicant unit applies through the service for every
  无条件共享 resource of another unit (granted at once, daily use declared; about 200 grants, dated back two
  months). N records (default 100,000; --records) are generated once, spread over the last 30 days, the three call
  types, counts 1-500, about 1% failed: a share --no-grant (default 5%) names a unit and a resource by code under
  no grant, so each is also an anomaly ("no grant") to store; the rest name a grant and its scenario, as the city
  platform reports the calls it served. --no-grant 1: every record an anomaly (counted per unit, resource and day).

  Ingest runs on each database, each with its own record ids so none is a duplicate of another:
    baseline  the same rows, resolved, into usage_record alone in batches of --batch, one transaction per batch:
              COPY on PostgreSQL (the fastest bare insert), an executemany on SQLite; no id claim, no rollup.
              Each batch first inserts its usage_batch row and its rows name it, as the service's rows do
    service   workflows.usage.ingest.ingest_json on the JSON bodies of the same batches: parse, check each
              record with pydantic, resolve codes, claim the ids, insert, roll up, find anomalies, the batch row,
              an audit event; one transaction per batch. Run again over the same bodies: the all-duplicates path
    http      POST /api/v1/usage of the same bodies with the platform's token and an Idempotency-Key to gunicorn
              (-w 2 -k sync, as deploy/xiayi-web.service runs it) serving create_app(): one sender, then --senders
              at once. (With gthread workers both senders' connections often sat in one worker's queue while the
              other worker idled: two senders were then no faster than one.)
  The generated rows and bodies are frozen out of Python's garbage collector before the runs (gc.freeze): the
  bench's own million rows are not garbage, and every collection in a run would walk them again.
  Printed per database: records/s of each run, the ratio to the baseline, the accepted/duplicate/problem counts
  (they must be N/0/0, 0/N/0), the rows in usage_record and the rollups, the load average at each run, the HTTP
  answers other than 200 and the last lines of gunicorn's error log (any line there is worth reading).

  With --fill M (PostgreSQL): first the month before this one as it is (the baseline: the demo's usage only), then
  M raw records of that month generated in SQL (generate_series; foreign-key triggers off for the fill, as
  pg_restore does) with their ids and their rollups summed in SQL: workflows.supervision.scorecards.compute for
  every unit for that month, and GET /supervision/ as the coordinator lina through the test client, each the median
  of 5, before and after the fill.

Run
  .venv/bin/python bench/usage.py                                   # 100,000 records, SQLite and PostgreSQL
  .venv/bin/python bench/usage.py --records 1000000 --only postgresql --senders 2
  .venv/bin/python bench/usage.py --records 0 --fill 10000000 --only postgresql

A benchmark, never a test. Everything stays on 127.0.0.1; the PostgreSQL database is dropped at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from datetime import timedelta  # noqa: E402

import httpx  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from bench.databases import postgres_url, sqlite_url  # noqa: E402
from bench.http import gunicorn  # noqa: E402
from workflows import bootstrap, calendar, clock, demo, migrate  # noqa: E402
from workflows.engine import deploy, lint  # noqa: E402
from workflows.db import is_postgres, make_engine, make_session_factory  # noqa: E402
from workflows.models import (  # noqa: E402
    Grant,
    Interface,
    Person,
    Resource,
    ShareType,
    Unit,
    UsageBatch,
    UsageDaily,
    UsageRecord,
    UsageSource,
)
from workflows.organisation import accounts  # noqa: E402
from workflows.sharing import applications  # noqa: E402
from workflows.supervision import scorecards  # noqa: E402
from workflows.supervision.periods import parse_period  # noqa: E402
from workflows.unit_of_work import unit_of_work  # noqa: E402
from workflows.usage import ingest, partitions, store  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/postgres"
DAYS = 30


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def load() -> str:
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


def prepare(url: str):
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        calendar.seed_from_package(s)
        demo.seed_org(s)
        demo.seed_catalog(s)
        month = partitions.Month.of(clock.now() - timedelta(days=DAYS + 31))
        while month <= partitions.Month.of(clock.now()):  # the pass made these as each month came
            if month not in partitions.months(s) and is_postgres(s):
                partitions.make(s, month)
            month = month.next()
    return engine, sessions


def make_grants(sessions) -> int:
    """Every applicant unit applies for every 无条件共享 resource of another unit through the service (granted at once,
    daily use declared), and the grants are dated back two months, so the records' last 30 days fall in them."""
    bpmn = Path(__file__).resolve().parents[1] / "bpmn"
    with unit_of_work(sessions) as s:
        deploy(s, (bpmn / "data_application.bpmn").read_text(encoding="utf-8"), lint.load_forms(bpmn / "forms"), None)
    with unit_of_work(sessions) as s:
        applicants = {}
        for person in s.scalars(select(Person).order_by(Person.id)):
            for unit_id in applications.applicant_units(person):
                applicants.setdefault(unit_id, person)
        resources = s.scalars(
            select(Resource).where(Resource.share_type == ShareType.UNCONDITIONAL).order_by(Resource.code)
        ).all()
        until = (clock.today() + timedelta(days=365)).isoformat()
        for unit_id, person in sorted(applicants.items()):
            for resource in resources:
                if resource.provider_unit_id == unit_id:
                    continue
                shape = {
                    "resource_code": resource.code,
                    "items": [item.name for item in resource.items][:2],
                    "scenario": f"基准测试：{resource.name}用于政务服务事项办理中的信息核验",
                    "basis": "《政务信息资源共享管理暂行办法》第十条",
                    "purpose": "核验办事群众提交的信息",
                    "frequency": "daily",
                    "valid_until": until,
                    "undertaking": True,
                    "sensitive_justification": "办理业务时必须核对当事人身份，无法以其他方式替代",
                    "data_protection": PROTECTION,
                }
                applications.apply(s, person, shape, unit_id)
        for grant in s.scalars(select(Grant)):  # in Python: SQLite's date arithmetic on its date text is a number
            grant.valid_from -= timedelta(days=2 * DAYS)
        return s.scalar(select(func.count()).select_from(Grant))


PROTECTION = {
    "storage": "本单位政务云业务系统数据库，专网隔离存放",
    "access": "本单位窗口受理岗经办人员按岗位授权查看",
    "disposal": "授权到期后三十日内由系统管理员删除并登记",
}


def generated(sessions, count: int, no_grant: float, seed: int = 2026) -> list[dict]:
    """The records as the platform sends them, in the order of their time, and for the baseline the same rows resolved
    to ids: a share no_grant (unit and resource by code, each also an anomaly), the rest under a grant, with its
    scenario."""
    rng = random.Random(seed)
    with sessions() as s:
        units = list(s.execute(select(Unit.code, Unit.id)))
        resources = list(s.execute(select(Resource.code, Resource.id)))
        interfaces = {
            rid: (code, iid)
            for code, iid, rid in s.execute(select(Interface.code, Interface.id, Interface.resource_id))
        }
        grants = list(s.execute(select(Grant.id, Grant.unit_id, Grant.resource_id, Grant.scenario)))
    now = clock.now()
    rows = []
    for n in range(count):
        kind = rng.choices(("interface", "table", "file"), (8, 1, 1))[0]
        calls = rng.randint(1, 500)
        at = now - timedelta(days=rng.randint(0, DAYS - 1), minutes=rng.randint(0, 1439))
        common = {"call_type": kind, "count": calls, "failed": calls // 100}
        if not grants or rng.random() < no_grant:
            (unit_code, unit_id), (resource_code, resource_id) = rng.choice(units), rng.choice(resources)
            grant_id, sent = None, {"unit_code": unit_code, "resource_code": resource_code, "scenario": "基准测试"}
        else:
            grant_id, unit_id, resource_id, scenario = rng.choice(grants)
            sent = {"grant_id": grant_id, "scenario": scenario}
        interface = interfaces.get(resource_id) if kind == "interface" else None
        sent |= {"interface_code": interface[0]} if interface else {}
        rows.append(
            {
                "json": {"at": at.isoformat()} | sent | common,
                "row": {
                    "batch_id": None,
                    "grant_id": grant_id,
                    "unit_id": unit_id,
                    "resource_id": resource_id,
                    "interface_id": interface[1] if interface else None,
                    "at": at,
                    "received_at": now,
                    "scenario": sent["scenario"],
                }
                | common,
            }
        )
    rows.sort(key=lambda r: r["row"]["at"])  # sent as the calls happen: a batch holds a few hours of them
    for n, row in enumerate(rows):
        row["json"]["id"] = f"{n:08d}"
    return rows


def batches(rows: list[dict], size: int):
    for start in range(0, len(rows), size):
        yield start // size, rows[start : start + size]


def bodies(rows: list[dict], size: int, prefix: str) -> list[bytes]:
    return [
        json.dumps({"records": [r["json"] | {"id": prefix + r["json"]["id"]} for r in batch]}).encode()
        for _, batch in batches(rows, size)
    ]


def run_baseline(sessions, rows: list[dict], size: int) -> float:
    """The same rows into usage_record alone: COPY on PostgreSQL, an executemany on SQLite. Each batch's rows name
    their batch row, as the service's do (one more foreign key checked per row)."""
    with sessions() as s:
        platform = s.scalar(select(Person.id).where(Person.username == "platform"))
    began = time.perf_counter()
    for n, batch in batches(rows, size):
        with unit_of_work(sessions) as s:
            batch_id = s.scalar(
                insert(UsageBatch)
                .values(person_id=platform, idempotency_key=f"b-{n}", source=UsageSource.PLATFORM, digest="",
                        received_at=clock.now(), answer={})
                .returning(UsageBatch.id)
            )  # fmt: skip
            values = [r["row"] | {"record_key": "b-" + r["json"]["id"], "batch_id": batch_id} for r in batch]
            if not is_postgres(s):
                s.execute(insert(UsageRecord), values)
                continue
            cursor = s.connection().connection.driver_connection.cursor()
            with cursor.copy(f"COPY usage_record ({', '.join(store.COLUMNS)}) FROM STDIN") as copy:
                for value in values:
                    copy.write_row([value[name] for name in store.COLUMNS])
    return time.perf_counter() - began


def run_service(sessions, payloads: list[bytes], key: str) -> tuple[float, list[int]]:
    totals = [0, 0, 0]
    began = time.perf_counter()
    for n, body in enumerate(payloads):
        with unit_of_work(sessions) as s:
            report = ingest.ingest_json(
                s, s.scalar(select(Person).where(Person.username == "platform")), f"{key}-{n}", body
            )
        totals[0] += report.accepted
        totals[1] += report.duplicates
        totals[2] += len(report.problems)
    return time.perf_counter() - began, totals


def _post_all(base_url: str, token: str, payloads: list[tuple[str, bytes]]) -> tuple[list[int], list[str]]:
    totals, errors = [0, 0, 0], []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=base_url, timeout=300) as client:
        for key, body in payloads:
            answer = client.post("/api/v1/usage", content=body, headers=headers | {"Idempotency-Key": key})
            if answer.status_code != 200:
                errors.append(f"batch {key}: {answer.status_code} {answer.text[:200]}")
                continue
            data = answer.json()
            for i, name in enumerate(("accepted", "duplicates", "rejected")):
                totals[i] += data[name]
    return totals, errors


def run_http(url: str, sessions, payloads: dict[int, list[bytes]], folder: Path) -> tuple[dict, list[str], str]:
    """Each list of bodies posted by that many senders at once; returns per sender count (seconds, totals)."""
    with unit_of_work(sessions) as s:
        token = accounts.create_token(s, "platform")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "FLASK_"))}
    env |= {"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "PYTHONUNBUFFERED": "1"}
    results, errors = {}, []
    with gunicorn(env, 2, 1, folder) as server:
        _post_all(server.base_url, token, [("warm", b'{"records": []}')])
        for senders, bodies_ in payloads.items():
            keyed = [(f"h{senders}-{n}", body) for n, body in enumerate(bodies_)]
            shares = [keyed[i::senders] for i in range(senders)]
            began = time.perf_counter()
            with ThreadPoolExecutor(senders) as pool:
                answers = list(pool.map(lambda share: _post_all(server.base_url, token, share), shares))
            elapsed = time.perf_counter() - began
            totals = [sum(a[0][i] for a in answers) for i in range(3)]
            errors += [e for a in answers for e in a[1]]
            results[senders] = (elapsed, totals, load())
        error_log = server.error_log.read_text(errors="replace") if server.error_log.exists() else ""
    return results, errors, error_log


FILL = """
INSERT INTO usage_record ({columns})
SELECT 'f-' || n, NULL, NULL, (:units)[1 + n % :unit_count], (:resources)[1 + (n / :unit_count) % :resource_count],
       NULL, CAST(:start AS timestamptz) + (:seconds * n / :records) * interval '1 second',
       (ARRAY['interface', 'table', 'file'])[1 + n % 3], 1 + n % 500, (1 + n % 500) / 100, '', now()
FROM generate_series(1, :records) AS n
"""
FILL_KEYS = (
    "INSERT INTO usage_record_key (record_key, at) SELECT record_key, at FROM usage_record WHERE record_key LIKE 'f-%'"
)
FILL_ROLLUPS = """
INSERT INTO usage_daily (grant_key, resource_id, unit_id, interface_key, day, call_type, count, failed, records)
SELECT 0, resource_id, unit_id, 0, CAST(at AT TIME ZONE 'Asia/Shanghai' AS date), call_type, sum(count), sum(failed),
       count(*)
FROM usage_record WHERE record_key LIKE 'f-%' GROUP BY 2, 3, 5, 6
ON CONFLICT (grant_key, resource_id, unit_id, interface_key, day, call_type) DO UPDATE SET
    count = usage_daily.count + excluded.count, failed = usage_daily.failed + excluded.failed,
    records = usage_daily.records + excluded.records
"""


def bench_ingest(name: str, url: str, args) -> None:
    log(f"{name}: migrating and seeding")
    engine, sessions = prepare(url)
    grants = make_grants(sessions) if args.no_grant < 1 else 0
    rows = generated(sessions, args.records, args.no_grant)
    n = len(rows)
    service_bodies = bodies(rows, args.batch, "s-")
    senders = sorted({1, args.senders})
    payloads = {k: bodies(rows, args.batch, f"h{k}-") for k in senders}
    gc.freeze()  # the bench's own million rows are no garbage for the runs' collections to walk again and again
    figures = []
    log(f"{name}: baseline bare insert of {n} rows")
    base = run_baseline(sessions, rows, args.batch)
    figures.append(("baseline bare insert", base, None, load()))
    log(f"{name}: service ingest of {n} records")
    seconds, totals = run_service(sessions, service_bodies, "s")
    figures.append(("service ingest", seconds, totals, load()))
    log(f"{name}: the same bodies again (all duplicates)")
    seconds, totals = run_service(sessions, service_bodies, "s2")
    figures.append(("service, all duplicates", seconds, totals, load()))
    log(f"{name}: HTTP ingest of {n} records through gunicorn, {' then '.join(map(str, senders))} sender(s)")
    http, errors, error_log = run_http(url, sessions, payloads, Path(tempfile.mkdtemp(prefix="bench-usage-")))
    for k, (seconds, totals, at_load) in http.items():
        figures.append((f"HTTP POST, {k} sender(s)", seconds, totals, at_load))
    with sessions() as s:
        raw = s.scalar(select(func.count()).select_from(UsageRecord))
        rollups = s.scalar(select(func.count()).select_from(UsageDaily))
    engine.dispose()
    mix = f"{args.no_grant:.0%} under no grant, the rest under {grants} grants"
    print(f"\n== {name}: {n:,} records in batches of {args.batch:,}; {mix} ==")
    print(f"  {'run':<28}{'seconds':>9}{'records/s':>12}{'vs baseline':>13}   accepted/duplicates/problems   load")
    for label, seconds, totals, at_load in figures:
        shown = "/".join(f"{v:,}" for v in totals) if totals else "—"
        print(f"  {label:<28}{seconds:>9.2f}{n / seconds:>12,.0f}{seconds / base:>12.1f}x   {shown:<29}{at_load}")
    print(f"  usage_record rows {raw:,}; usage_daily rows {rollups:,}")
    print(f"  HTTP answers other than 200: {len(errors)}" + "".join(f"\n    {e}" for e in errors[:5]))
    lines = [line for line in error_log.splitlines() if line.strip()]
    print(f"  gunicorn error log: {len(lines)} lines" + "".join(f"\n    {line}" for line in lines[-12:]))


def median_ms(action, times: int = 5) -> float:
    took = []
    for _ in range(times):
        began = time.perf_counter()
        action()
        took.append((time.perf_counter() - began) * 1000)
    return statistics.median(took)


def reads(url: str, sessions, period: str) -> tuple[float, float, int]:
    """A month's scorecards for every unit and the coordinator's dashboard, each the median of 5, in ms."""
    from webapp import create_app  # the web app only for this part: the ingest runs need no Flask

    def cards():
        with sessions() as s:
            assert len(scorecards.compute(s, parse_period(period))) > 0

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32)})
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "lina", "password": "Demo@2026", "csrf_token": token})
    statuses = []

    def page():
        statuses.append(client.get("/supervision/").status_code)

    return median_ms(cards), median_ms(page), max(statuses)


def bench_reads(url: str, args) -> None:
    log("PostgreSQL: migrating and seeding for the month's reads")
    engine, sessions = prepare(url)
    month = partitions.Month.of(clock.now()).start - timedelta(days=1)  # the month before this one
    period = f"{month.year}-{month.month:02d}"
    first = partitions.Month(month.year, month.month)
    before = reads(url, sessions, period)
    log(f"PostgreSQL: filling {args.fill:,} raw records of {period} and their rollups in SQL")
    began = time.perf_counter()
    with unit_of_work(sessions) as s:
        s.execute(text("SET LOCAL session_replication_role = replica"))  # no foreign-key triggers, as pg_restore
        units = list(s.scalars(select(Unit.id).order_by(Unit.id)))
        resources = list(s.scalars(select(Resource.id).order_by(Resource.id)))
        span = (first.end - first.start).total_seconds()
        s.execute(
            text(FILL.format(columns=", ".join(store.COLUMNS))),
            {"units": units, "unit_count": len(units), "resources": resources, "resource_count": len(resources)}
            | {"start": first.start, "seconds": span, "records": args.fill},
        )
        s.execute(text(FILL_KEYS))
        s.execute(text(FILL_ROLLUPS))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    filled = time.perf_counter() - began
    after = reads(url, sessions, period)
    with sessions() as s:
        raw = s.scalar(select(func.count()).select_from(UsageRecord))
        rollups = s.scalar(select(func.count()).select_from(UsageDaily))
        size = s.scalar(text("SELECT pg_size_pretty(pg_total_relation_size(:t))"), {"t": first.name})
        keys = s.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('usage_record_key'))"))
        daily = s.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('usage_daily'))"))
    engine.dispose()
    print(f"\n== PostgreSQL: the month {period} over {args.fill:,} raw records (filled in {filled:.0f} s) ==")
    print(f"  {'read (median of 5)':<44}{'before':>10}{'after':>10}   load {load()}")
    print(f"  {'scorecards.compute, every unit':<44}{before[0]:>8.0f}ms{after[0]:>8.0f}ms")
    print(f"  {'GET /supervision/ as lina (coordinator)':<44}{before[1]:>8.0f}ms{after[1]:>8.0f}ms   HTTP {after[2]}")
    print(f"  usage_record rows {raw:,}; usage_daily rows {rollups:,}")
    print(f"  on disk: {first.name} {size} (with its indexes); usage_record_key {keys}; usage_daily {daily}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="records to ingest (0: no ingest runs)")
    parser.add_argument("--batch", type=int, default=ingest.MAX_RECORDS)
    parser.add_argument("--senders", type=int, default=2, help="HTTP senders at once, after the single one")
    parser.add_argument(
        "--no-grant", type=float, default=0.05, help="share of records under no grant (1: all, the worst case)"
    )
    parser.add_argument("--fill", type=int, default=0, help="raw records of last month for the reads (PostgreSQL)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg-url", default=PG)
    args = parser.parse_args()
    bootstrap.bootstrap()
    print(f"load average at start {load()} ({os.cpu_count()} CPUs)")
    if args.only != "postgresql" and args.records:
        with sqlite_url("bench-usage-") as url:
            bench_ingest("SQLite", url, args)
    if args.only != "sqlite" and args.records:
        with postgres_url(args.pg_url) as url:
            bench_ingest("PostgreSQL", url, args)
    if args.only != "sqlite" and args.fill:
        with postgres_url(args.pg_url) as url:
            bench_reads(url, args)


if __name__ == "__main__":
    main()
