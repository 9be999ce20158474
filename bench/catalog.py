"""Catalog search benchmark: workflows.catalog_search.search_resources over a large catalog.

What is measured
  A fresh database (SQLite temp file, and a fresh PostgreSQL `bench_<hex>` database) is migrated
  with workflows.migrate.upgrade and seeded with the demo organisation (16 units) and the 41 demo
  resources. Then N generated resources (default 100,000; all published, spread over the 16
  units) are bulk-inserted with SQLAlchemy core insert() in batches; the insert time is printed
  (on SQLite triggers keep the FTS5 trigram and bigram tables, on PostgreSQL the pg_trgm GIN
  index and the stored bigram array with its GIN index are maintained - part of that cost).
  PostgreSQL is ANALYZEd after loading; SQLite is not, just like a real installation.

  Names and summaries are built from Chinese word lists (domains such as 户籍/社保/不动产 with
  skewed weights, qualifiers, nouns such as 登记信息/缴费记录, unit names, towns, info-item names
  and a few rare phrases), so keywords range from "matches nearly everything" to "matches a
  handful". Enum columns get random values.

  Every query type goes through the real code path: a new ORM session per call,
  search_resources(session, parse_resource_query({...})) - facet counts + total, then the page of
  20 (with the joined provider unit and the selectin-loaded info items). Query types: 2-, 3- and
  4-character keywords (common, medium and rare), each alone and with filters
  (share_type=conditional + a unit keyword), filters without keyword, and the plain first page.

  Each type runs a few warm-ups, then --repeat rounds (default 50; fewer when one call is slow, so
  the whole run stays within a few minutes - the table shows the n actually used) of two calls:
    cold  the per-worker facet cache (workflows/facet_cache.py) emptied first: what the first
          search after any change to the catalog, or the first in a new worker, costs
    warm  the same search again: what the next page, another facet filter of the same keyword
          (the cache holds counts for every filter) or a popular keyword costs
  Printed per type: matched total, n, p50/p95 in ms of each (whole call: session, generation
  token, facet counts, page, ORM loading) and PASS/MISS of each against the 30 ms p95 target (issue 20).
  Baseline, measured in the same run: the same code with LIKE '%keyword%' instead of the text
  indexes and without the cache (5 calls per type; its p50 and how many times the cold call is
  faster). Every call checks that the total is the same in all three ways.

  --explain prints, for every query type that missed, the facet query and the page query timed
  alone (cold) with the index hint the code chose and their plans (EXPLAIN QUERY PLAN on SQLite,
  EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL).

  The whole default run takes about 4-5 minutes on a 2-core machine.

Run
  .venv/bin/python bench/catalog.py                       # both databases, 100,000 rows
  .venv/bin/python bench/catalog.py --only sqlite --rows 20000 --repeat 20
  .venv/bin/python bench/catalog.py --explain             # plans of the misses

PostgreSQL must accept `postgres` on 127.0.0.1:5432 (override with --pg-url); the bench creates
its own `bench_<hex>` database and drops it WITH (FORCE) at the end. A benchmark, never a test.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import platform
import random
import statistics
import sys
import time
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds an http.py: keep this folder off sys.path or it shadows the standard library's
# `http` (werkzeug and httpx import it)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from bench import databases  # noqa: E402
from workflows import demo, migrate
from workflows.catalog import search as catalog_search  # noqa: E402
from workflows.catalog.facet_cache import FacetCache  # noqa: E402
from workflows.catalog.search import parse_resource_query
from workflows.db import make_engine, make_session_factory  # noqa: E402
from workflows.models import (  # noqa: E402
    CategoryClass,
    OpenType,
    Resource,
    ResourceFormat,
    ResourceStatus,
    Sensitivity,
    ShareMethod,
    ShareType,
    Unit,
    UpdateCycle,
)

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_P95_MS = 30.0
INSERT_BATCH = 5_000
WARMUP = 3
BUDGET_PER_TYPE_S = 3.0  # a slow query type is repeated fewer times (at least MIN_REPEAT)
MIN_REPEAT = 10
NAIVE_REPEAT = 5  # the LIKE baseline, cold, a few times per type
SEED = 20260101

# --- generated catalog -------------------------------------------------------------

# (domain word, weight, unit codes that usually own it, qualifiers)
DOMAINS = [
    ("户籍", 12, ["gaj"], ["人口", "迁移", "证件", "人员"]),
    ("社保", 10, ["rsj"], ["参保", "待遇", "人员", "单位"]),
    ("企业", 10, ["scj", "swj"], ["法人", "年报", "信用", "股东"]),
    ("医疗", 8, ["wjw", "ybj"], ["机构", "人员", "费用", "保险"]),
    ("教育", 7, ["jtj"], ["学籍", "学校", "教师", "资助"]),
    ("不动产", 6, ["bdc", "zrj"], ["权利", "抵押", "房屋", "土地"]),
    ("交通", 5, ["gaj", "zjj"], ["车辆", "驾驶人", "违法", "运输"]),
    ("婚姻", 4, ["mzj"], ["登记", "状况", "证件"]),
    ("农业", 4, ["nyj"], ["补贴", "合作社", "种植", "农机"]),
    ("环境", 3, ["zrj", "zwfw"], ["监测", "排污", "评价"]),
    ("税务", 3, ["swj"], ["申报", "发票", "信用", "纳税人"]),
    ("住房", 3, ["zjj"], ["保障", "租赁", "房屋"]),
    ("财政", 3, ["czj"], ["预算", "补贴", "资金"]),
    ("救助", 2, ["mzj"], ["低保", "特困", "临时"]),
    ("就业", 2, ["rsj"], ["失业", "培训", "援助"]),
    ("退役军人", 1, ["tyj"], ["优抚", "档案", "安置"]),
    ("残疾人", 1, ["cl"], ["证件", "补贴", "康复"]),
    ("公积金", 0.5, ["zjj"], ["缴存", "提取", "贷款"]),
    ("殡葬", 0.3, ["mzj"], ["火化", "墓地"]),
    ("消防", 0.3, ["zwfw", "zjj"], ["检查", "验收"]),
]
NOUNS = [
    "登记信息",
    "基本信息",
    "缴费记录",
    "许可证照",
    "检查记录",
    "变更信息",
    "注销信息",
    "统计数据",
    "核验结果",
    "审批信息",
    "备案信息",
    "处罚信息",
    "年度报告",
    "发放台账",
    "名录",
]
NOUN_WEIGHTS = [10, 10, 6, 5, 5, 5, 3, 4, 3, 4, 3, 3, 2, 2, 2]
FIELDS = [
    "姓名",
    "公民身份号码",
    "统一社会信用代码",
    "地址",
    "联系电话",
    "出生日期",
    "登记日期",
    "证照编号",
    "有效期限",
    "金额",
    "面积",
    "法定代表人",
    "性别",
    "民族",
    "单位名称",
    "经营范围",
    "办理状态",
    "审批意见",
    "发证机关",
    "缴费基数",
    "参保状态",
    "房屋坐落",
    "车辆号牌",
    "学校名称",
]
TOWNS = [
    "城关镇",
    "会亭镇",
    "马头镇",
    "济阳镇",
    "李集镇",
    "车站镇",
    "杨集镇",
    "韩道口镇",
    "太平镇",
    "罗庄镇",
    "火店镇",
    "北岭镇",
    "郭店镇",
    "业庙乡",
    "中峰乡",
    "桑堌乡",
    "胡桥乡",
    "何营乡",
    "王集乡",
    "歧河乡",
]
# (phrase, probability per summary): rare words so that some keywords match only a few rows
RARE = [("危险化学品", 0.002), ("量子通信", 0.0001), ("非物质文化遗产", 0.001), ("冷链食品", 0.003)]
CYCLE_WORDS = {
    UpdateCycle.REALTIME: "实时",
    UpdateCycle.DAILY: "每日",
    UpdateCycle.WEEKLY: "每周",
    UpdateCycle.MONTHLY: "每月",
    UpdateCycle.QUARTERLY: "每季度",
    UpdateCycle.YEARLY: "每年",
}
FIRST_DAY = date(2019, 1, 1)
LAST_DAY = date(2026, 11, 1)


def generated_rows(count: int, units: dict[str, tuple[int, str, str]], rng: random.Random):
    """Yield resource rows (dicts for core insert); units: code -> (id, name, short name)."""
    unit_codes = sorted(units)
    weights = [d[1] for d in DOMAINS]
    span = (LAST_DAY - FIRST_DAY).days
    now = datetime.now(timezone.utc)
    share = list(ShareType)
    opens = list(OpenType)
    formats = list(ResourceFormat)
    cats = list(CategoryClass)
    sens = list(Sensitivity)
    cycles = list(UpdateCycle)
    methods = list(ShareMethod) + [None]
    for i in range(count):
        domain, _, owners, qualifiers = rng.choices(DOMAINS, weights)[0]
        unit_code = rng.choice(owners) if rng.random() < 0.8 else rng.choice(unit_codes)
        unit_id, unit_name, unit_short = units[unit_code]
        qualifier = rng.choice(qualifiers) if rng.random() < 0.6 else ""
        noun = rng.choices(NOUNS, NOUN_WEIGHTS)[0]
        name = f"{domain}{qualifier}{noun}"
        if rng.random() < 0.15:
            name = unit_short + name
        elif rng.random() < 0.1:
            name = rng.choice(TOWNS) + name
        cycle = rng.choice(cycles)
        fields = "、".join(rng.sample(FIELDS, rng.randint(3, 6)))
        parts = [f"{unit_name}{rng.randint(2015, 2026)}年{domain}{qualifier}{rng.choice(NOUNS)}"]
        if rng.random() < 0.3:
            parts.append(f"覆盖{rng.choice(TOWNS)}等{rng.randint(2, 20)}个乡镇")
        parts.append(f"包括{fields}等{rng.randint(5, 60)}项信息项，{CYCLE_WORDS[cycle]}更新")
        for phrase, p in RARE:
            if rng.random() < p:
                parts.append(f"涉及{phrase}相关内容")
        category = rng.choice(cats)
        yield {
            "code": f"BX-{unit_code.upper()}-{i:06d}",
            "name": name,
            "provider_unit_id": unit_id,
            "category_class": category,
            "category_path": f"{category.label}/{domain}/{qualifier or noun}",
            "summary": "，".join(parts),
            "format": rng.choice(formats),
            "share_type": rng.choice(share),
            "share_condition": "",
            "share_method": rng.choice(methods),
            "open_type": rng.choice(opens),
            "update_cycle": cycle,
            "sensitivity": rng.choice(sens),
            "published_on": FIRST_DAY + timedelta(days=rng.randrange(span)),
            "related_codes": [],
            "mandate": "",
            "collection_note": "",
            "duplicate_reason": "",
            "status": ResourceStatus.PUBLISHED,
            "correction_reason": "",
            "revision": 1,
            "updated_at": now,
        }


# --- query types -------------------------------------------------------------------


@dataclass(frozen=True)
class QueryType:
    label: str
    args: dict


def _keyword(q: str, note: str, unit: str) -> list[QueryType]:
    chars = f"{len(q)}ch"
    return [
        QueryType(f"{chars} {q} ({note})", {"q": q}),
        QueryType(f"{chars} {q} +conditional+unit={unit}", {"q": q, "share_type": "conditional", "unit": unit}),
    ]


QUERY_TYPES = [
    *_keyword("信息", "very common", "公安"),
    *_keyword("户籍", "common", "公安"),
    *_keyword("殡葬", "rare", "民政"),
    *_keyword("信息项", "very common", "人社"),
    *_keyword("不动产", "medium", "不动产"),
    *_keyword("公积金", "rare", "住建"),
    *_keyword("缴费记录", "medium", "人社"),
    *_keyword("会亭镇", "town", "公安"),
    *_keyword("危险化学", "rare", "大数据"),
    *_keyword("量子通信", "very rare", "大数据"),
    QueryType("no keyword, share_type=conditional", {"share_type": "conditional"}),
    QueryType(
        "no keyword, conditional+unit=公安+format", {"share_type": "conditional", "unit": "公安", "format": "database"}
    ),
    QueryType("first page, no filters", {}),
    QueryType("page 50, no filters", {"page": "50"}),
]


# --- timing ------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    total: int
    warm: list[float]
    cold: list[float]
    naive: list[float] = dataclasses.field(default_factory=list)

    @staticmethod
    def pct(values: list[float], p: float) -> float:
        values = sorted(values)
        if not values:
            return float("nan")
        k = (len(values) - 1) * p
        lo, hi = int(k), min(int(k) + 1, len(values) - 1)
        return (values[lo] + (values[hi] - values[lo]) * (k - lo)) * 1000

    @property
    def ok(self) -> tuple[bool, bool]:
        return self.pct(self.warm, 0.95) < TARGET_P95_MS, self.pct(self.cold, 0.95) < TARGET_P95_MS


def run_once(sessions, args: dict, cold: bool) -> tuple[int, float]:
    """One search as the web page runs it; cold: the facet cache is emptied first, as after any
    change to the catalog or in a worker that never ran this search."""
    if cold:
        catalog_search._cache.clear()
    began = time.perf_counter()
    with sessions() as session:
        page = catalog_search.search_resources(session, parse_resource_query(args))
        assert len(page.items) <= page.per_page
    return page.total, time.perf_counter() - began


def measure(sessions, query: QueryType, repeat: int) -> Result:
    warm_up = [run_once(sessions, query.args, cold=True) for _ in range(WARMUP)]
    total = warm_up[-1][0]
    typical = statistics.median(t for _, t in warm_up)
    n = repeat if typical * repeat <= BUDGET_PER_TYPE_S else max(MIN_REPEAT, int(BUDGET_PER_TYPE_S / typical))
    times: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(n):
        for cold in (True, False):
            got, elapsed = run_once(sessions, query.args, cold)
            if got != total:
                raise SystemExit(f"{query.label}: total changed from {total} to {got}")
            times[cold].append(elapsed)
    return Result(query.label, total, times[False], times[True])


def run_all(sessions, repeat: int) -> list[Result]:
    results = [measure(sessions, q, repeat) for q in QUERY_TYPES]
    with naive_search():
        for query, result in zip(QUERY_TYPES, results):
            timed = [run_once(sessions, query.args, cold=True) for _ in range(NAIVE_REPEAT)]
            if {total for total, _ in timed} != {result.total}:
                raise SystemExit(f"{query.label}: the naive search found another total")
            result.naive = [t for _, t in timed]
    return results


@contextlib.contextmanager
def naive_search():
    """The baseline: the same code with LIKE '%q%' instead of the text indexes and no facet cache."""
    saved = catalog_search._text_condition, catalog_search._match_estimate, catalog_search._cache

    def like(session, q, by_rowid=True):
        return sqlalchemy.or_(Resource.name.contains(q, autoescape=True), Resource.summary.contains(q, autoescape=True))

    catalog_search._text_condition, catalog_search._match_estimate = like, lambda session, q: None
    catalog_search._cache = FacetCache(max_rows=0)
    try:
        yield
    finally:
        catalog_search._text_condition, catalog_search._match_estimate, catalog_search._cache = saved


def _pad(label: str, width: int) -> str:
    """Left-justify by display width (a CJK character takes two columns)."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)
    return label + " " * max(width - shown, 0)


def print_results(title: str, results: list[Result]) -> None:
    print(f"\n{title}")
    print(
        f"  {'query type':<44} {'matched':>8} {'n':>3}   {'warm p50':>8} {'p95':>6}   {'cold p50':>8} {'p95':>6}"
        f"   {'naive p50':>9} {'÷cold':>6}  verdict warm/cold"
    )
    for r in results:
        warm_ok, cold_ok = r.ok
        naive = r.pct(r.naive, 0.5)
        print(
            f"  {_pad(r.label, 44)} {r.total:>8} {len(r.warm):>3}   {r.pct(r.warm, 0.5):>8.1f} "
            f"{r.pct(r.warm, 0.95):>6.1f}   {r.pct(r.cold, 0.5):>8.1f} {r.pct(r.cold, 0.95):>6.1f}   "
            f"{naive:>9.1f} {naive / r.pct(r.cold, 0.5):>5.1f}×  "
            f"{'PASS' if warm_ok else 'MISS'} / {'PASS' if cold_ok else 'MISS'}"
        )
    for i, kind in enumerate(
        (
            "warm (repeated search: next page, another facet, a popular keyword)",
            "cold (first search after a catalog change)",
        )
    ):
        passed = sum(r.ok[i] for r in results)
        print(f"  {kind}: {passed} PASS, {len(results) - passed} MISS (target p95 < {TARGET_P95_MS:.0f} ms)")


# --- databases ---------------------------------------------------------------------


def sqlite_url():
    return databases.sqlite_url("bench-catalog-")


postgres_url = databases.postgres_url


def load(url: str, rows: int):
    """Migrate, seed the demo organisation and catalog, bulk-insert generated resources."""
    db = make_engine(url)
    migrate.upgrade(db)
    sessions = make_session_factory(db)
    with sessions.begin() as session:
        demo.seed_org(session)
        demo.seed_catalog(session)
    with sessions() as session:
        units = {u.code: (u.id, u.name, u.short_name) for u in session.scalars(select(Unit))}
    rng = random.Random(SEED)
    table = Resource.__table__
    batch: list[dict] = []
    began = time.perf_counter()
    for row in generated_rows(rows, units, rng):
        batch.append(row)
        if len(batch) == INSERT_BATCH:
            with db.begin() as conn:
                conn.execute(insert(table), batch)
            batch = []
    if batch:
        with db.begin() as conn:
            conn.execute(insert(table), batch)
    insert_s = time.perf_counter() - began
    analyze_s = 0.0
    if db.dialect.name == "postgresql":
        began = time.perf_counter()
        with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        analyze_s = time.perf_counter() - began
    with sessions() as session:
        count = session.scalar(select(func.count()).select_from(Resource))
    print(
        f"  loaded {count} resources ({rows} generated + demo): insert {insert_s:.1f} s "
        f"({rows / insert_s:,.0f} rows/s, batches of {INSERT_BATCH})"
        + (f", VACUUM ANALYZE {analyze_s:.1f} s" if analyze_s else "")
    )
    return db, sessions


# --- plans -------------------------------------------------------------------------


def statements(session, args: dict) -> dict:
    """The grouped facet count (cold) and the page query, as search_resources builds them."""
    query = parse_resource_query(args)
    unit_ids = catalog_search._unit_ids(session, query.unit) if query.unit else None
    estimate = catalog_search._match_estimate(session, query.q)
    facets = catalog_search.by_rowid(estimate, catalog_search.FACETS_BY_ROWID_MAX)
    page = catalog_search.by_rowid(estimate, catalog_search.PAGE_BY_ROWID_MAX)
    label = {None: "planner's choice", True: "hits by rowid", False: "index walk"}
    return {
        f"facets ({label[facets]}, estimate {estimate})": catalog_search.grouped_statement(
            session, query, unit_ids, facets
        ),
        f"page ({label[page]})": catalog_search.page_statement(session, query, unit_ids, page),
    }


def explain(sessions, query: QueryType) -> None:
    print(f"\n  -- {query.label}  {query.args}")
    with sessions() as session:
        dialect = session.get_bind().dialect
        for name, stmt in statements(session, query.args).items():
            compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
            times = []
            for _ in range(3):
                began = time.perf_counter()
                session.execute(stmt).all()
                times.append((time.perf_counter() - began) * 1000)
            print(f"     {name} alone: median {statistics.median(times):.1f} ms of 3")
            if dialect.name == "sqlite":
                params = tuple(compiled.params[k] for k in compiled.positiontup)
                rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
                for row in rows:
                    print(f"       {row[-1]}")
            else:
                rows = (
                    session.connection()
                    .exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled), compiled.params)
                    .all()
                )
                for row in rows:
                    print(f"       {row[0]}")


def explain_misses(sessions, results: list[Result]) -> None:
    missed = [q for q, r in zip(QUERY_TYPES, results) if not all(r.ok)]
    if missed:
        print("\n  plans of the misses (cold: facet query, then page query):")
    for query in missed:
        explain(sessions, query)


# --- main --------------------------------------------------------------------------


def bench_backend(name: str, url: str, args) -> None:
    print(f"\n=== {name} ===")
    db, sessions = load(url, args.rows)
    try:
        results = run_all(sessions, args.repeat)
        print_results(f"{name}: search_resources (p50/p95 in ms)", results)
        if args.explain:
            explain_misses(sessions, results)
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--pg-url", default=PG_SERVER)
    parser.add_argument("--explain", action="store_true", help="print plans of the query types that miss")
    args = parser.parse_args()
    print(
        f"catalog search benchmark: {args.rows:,} generated resources, repeat {args.repeat} "
        f"(+{WARMUP} warm-up), target p95 < {TARGET_P95_MS:.0f} ms"
    )
    print(
        f"python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"sqlite {__import__('sqlite3').sqlite_version}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} (other work on the machine skews the figures)"
    )
    began = time.perf_counter()
    if args.only in (None, "sqlite"):
        with sqlite_url() as url:
            bench_backend("SQLite", url, args)
    if args.only in (None, "postgres"):
        with postgres_url(args.pg_url) as url:
            bench_backend("PostgreSQL", url, args)
    print(f"\ntotal {time.perf_counter() - began:.0f} s, load average now {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
