"""Usage ingest benchmark: N records through the service and through HTTP (gunicorn), beside a bare executemany.

What is measured
  Setup (not timed): a fresh database (a temp SQLite file, then a fresh bench_<hex> PostgreSQL database),
  migrated, with the demo organisation and catalog (whose own demo usage is ingested once). N records (default
  100,000; --records) are generated once: 60 using units x 41 resources x 26 interfaces spread over 30 days, the
  three call types, counts 1-500, about 1% failed; each record names its unit and resource by code, no grant.

  Three runs on each database, each with its own record ids so none is a duplicate of another:
    baseline  one executemany of plain INSERTs of the same rows into usage_record (no checks, no ON CONFLICT,
              no RETURNING, no rollup), in batches of --batch rows, one transaction per batch
    service   workflows.usage.ingest.ingest_json on the JSON bodies of the same batches: parse, check each
              record with pydantic, resolve codes, INSERT ... ON CONFLICT DO NOTHING RETURNING, the daily
              rollup upsert, the batch row, an audit event; one transaction per batch
    http      POST /api/v1/usage of the same bodies with the platform's token and an Idempotency-Key, one
              request after another, to gunicorn (-w 2 -k gthread --threads 1) serving create_app()
  Printed per database: records/s of each run, the ratio to the baseline, the accepted/duplicate/problem counts
  the service answered (they must be N/0/0), the rows in usage_record and the rollup rows, and the last lines of
  gunicorn's error log (any line there is worth reading). A second pass of the service run over the same
  bodies measures the all-duplicates path.

Run
  .venv/bin/python bench/usage.py                      # 100,000 records, SQLite and PostgreSQL
  .venv/bin/python bench/usage.py --records 20000 --only sqlite

A benchmark, never a test. Everything stays on 127.0.0.1; the PostgreSQL database is dropped at the end.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

import httpx  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bench.databases import postgres_url, sqlite_url  # noqa: E402
from bench.http import gunicorn  # noqa: E402
from workflows import bootstrap, calendar, clock, demo, migrate  # noqa: E402
from workflows.db import make_engine, make_session_factory  # noqa: E402
from workflows.models import Interface, Person, Resource, Unit, UsageDaily, UsageRecord  # noqa: E402
from workflows.organisation import accounts  # noqa: E402
from workflows.unit_of_work import unit_of_work  # noqa: E402
from workflows.usage import ingest  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def prepare(url: str):
    engine = make_engine(url)
    migrate.upgrade(engine)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        calendar.seed_from_package(s)
        demo.seed_org(s)
        demo.seed_catalog(s)
    return engine, sessions


def generated(sessions, count: int, seed: int = 2026) -> list[dict]:
    """The records as the platform sends them (codes), and for the baseline the same rows resolved to ids."""
    rng = random.Random(seed)
    with sessions() as s:
        units = list(s.execute(select(Unit.code, Unit.id)))
        resources = list(s.execute(select(Resource.code, Resource.id)))
        interfaces = {
            rid: (code, iid)
            for code, iid, rid in s.execute(select(Interface.code, Interface.id, Interface.resource_id))
        }
    now = clock.now()
    rows = []
    for n in range(count):
        unit_code, unit_id = rng.choice(units)
        resource_code, resource_id = rng.choice(resources)
        kind = rng.choices(("interface", "table", "file"), (8, 1, 1))[0]
        interface = interfaces.get(resource_id) if kind == "interface" else None
        calls = rng.randint(1, 500)
        at = now - timedelta(days=rng.randint(0, 29), minutes=rng.randint(0, 1439))
        rows.append(
            {
                "json": {
                    "id": f"{n:08d}",
                    "unit_code": unit_code,
                    "resource_code": resource_code,
                    **({"interface_code": interface[0]} if interface else {}),
                    "at": at.isoformat(),
                    "call_type": kind,
                    "count": calls,
                    "failed": calls // 100,
                    "scenario": "基准测试",
                },
                "row": {
                    "grant_id": None,
                    "unit_id": unit_id,
                    "resource_id": resource_id,
                    "interface_id": interface[1] if interface else None,
                    "at": at,
                    "call_type": kind,
                    "count": calls,
                    "failed": calls // 100,
                    "scenario": "基准测试",
                    "received_at": now,
                },
            }
        )
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
    began = time.perf_counter()
    for _, batch in batches(rows, size):
        with unit_of_work(sessions) as s:
            s.execute(insert(UsageRecord), [r["row"] | {"record_key": "b-" + r["json"]["id"]} for r in batch])
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


def run_http(url: str, sessions, payloads: list[bytes], folder: Path) -> tuple[float, list[int], list[str], str]:
    with unit_of_work(sessions) as s:
        token = accounts.create_token(s, "platform")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "FLASK_"))}
    env |= {"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "PYTHONUNBUFFERED": "1"}
    totals, errors = [0, 0, 0], []
    with gunicorn(env, 2, 1, folder) as server, httpx.Client(base_url=server.base_url, timeout=300) as client:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        client.post("/api/v1/usage", content=b'{"records": []}', headers=headers | {"Idempotency-Key": "warm"})
        began = time.perf_counter()
        for n, body in enumerate(payloads):
            answer = client.post("/api/v1/usage", content=body, headers=headers | {"Idempotency-Key": f"h-{n}"})
            if answer.status_code != 200:
                errors.append(f"batch {n}: {answer.status_code} {answer.text[:200]}")
                continue
            data = answer.json()
            totals[0] += data["accepted"]
            totals[1] += data["duplicates"]
            totals[2] += data["rejected"]
        elapsed = time.perf_counter() - began
        error_log = server.error_log.read_text(errors="replace") if server.error_log.exists() else ""
    return elapsed, totals, errors, error_log


def bench(name: str, url: str, args) -> None:
    log(f"{name}: migrating and seeding")
    engine, sessions = prepare(url)
    rows = generated(sessions, args.records)
    n = len(rows)
    log(f"{name}: baseline executemany of {n} rows")
    base = run_baseline(sessions, rows, args.batch)
    log(f"{name}: service ingest of {n} records")
    service, service_totals = run_service(sessions, bodies(rows, args.batch, "s-"), "s")
    log(f"{name}: the same bodies again (all duplicates)")
    again, again_totals = run_service(sessions, bodies(rows, args.batch, "s-"), "s2")
    http_payloads = bodies(rows, args.batch, "h-")
    log(f"{name}: HTTP ingest of {n} records through gunicorn")
    folder = Path(tempfile.mkdtemp(prefix="bench-usage-"))
    http, http_totals, errors, error_log = run_http(url, sessions, http_payloads, folder)
    with sessions() as s:
        raw = s.scalar(select(func.count()).select_from(UsageRecord))
        rollups = s.scalar(select(func.count()).select_from(UsageDaily))
    engine.dispose()
    print(f"\n== {name}: {n:,} records in batches of {args.batch:,} ==")
    print(f"  {'run':<28}{'seconds':>9}{'records/s':>12}{'vs baseline':>13}   accepted/duplicates/problems")
    for label, seconds, totals in (
        ("baseline executemany", base, None),
        ("service ingest", service, service_totals),
        ("service, all duplicates", again, again_totals),
        ("HTTP POST /api/v1/usage", http, http_totals),
    ):
        rate = n / seconds
        shown = "/".join(f"{v:,}" for v in totals) if totals else "—"
        print(f"  {label:<28}{seconds:>9.2f}{rate:>12,.0f}{seconds / base:>12.1f}x   {shown}")
    print(f"  usage_record rows {raw:,}; usage_daily rows {rollups:,}")
    print(f"  HTTP answers other than 200: {len(errors)}" + "".join(f"\n    {e}" for e in errors[:5]))
    lines = [line for line in error_log.splitlines() if line.strip()]
    print(f"  gunicorn error log: {len(lines)} lines" + "".join(f"\n    {line}" for line in lines[-12:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=ingest.MAX_RECORDS)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg-url", default=PG)
    args = parser.parse_args()
    bootstrap.bootstrap()
    if args.only != "postgresql":
        with sqlite_url("bench-usage-") as url:
            bench("SQLite", url, args)
    if args.only != "sqlite":
        with postgres_url(args.pg_url) as url:
            bench("PostgreSQL", url, args)


if __name__ == "__main__":
    main()
