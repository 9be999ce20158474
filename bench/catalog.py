"""Catalog search benchmark: workflows.catalog_search.search_resources over a large catalog.

What is measured
  A fresh database (SQLite temp file, and a fresh PostgreSQL `bench_<hex>` database) is migrated
  with workflows.migrate.upgrade and seeded with the demo organisation (16 units) and the 41 demo
  resources. Then N generated resources (default 100,000; all published, spread over the 16
  units) are bulk-inserted with SQLAlchemy core insert() in batches; the insert time is printed
  (on SQLite the FTS5 trigram triggers keep resource_fts, on PostgreSQL the pg_trgm GIN index is
  maintained - both are part of that cost). PostgreSQL is ANALYZEd after loading; SQLite is not,
  just like a real installation.

  Names and summaries are built from Chinese word lists (domains such as 户籍/社保/不动产 with
  skewed weights, qualifiers, nouns such as 登记信息/缴费记录, unit names, towns, info-item names
  and a few rare phrases), so keywords range from "matches nearly everything" to "matches a
  handful". Enum columns get random values.

  Every query type goes through the real code path: a new ORM session per call,
  search_resources(session, parse_resource_query({...})) - facet counts + total, then the page of
  20 (with the joined provider unit and the selectin-loaded info items). Query types: 2-, 3- and
  4-character keywords (common, medium and rare), each alone and with filters
  (share_type=conditional + a unit keyword), filters without keyword, and the plain first page.
  Each type runs a few warm-ups, then --repeat times (default 50; fewer when one call is slow, so
  the whole run stays within a few minutes - the table shows the n actually used). Printed per
  type: matched total, n runs, p50/p95 in ms (whole call: session, facet counts, page, ORM
  loading), the p50 of the facet queries alone and how many the call ran (#fq; timed by wrapping
  catalog_search's facet-count function, behaviour unchanged) and PASS/MISS against the 50 ms p95 target.

  --explain prints, for every query type that missed, each facet query and the page query timed
  alone and their plans (EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL).

  The whole default run takes about 4-5 minutes on a 2-core machine.

  --experiment is a separate, clearly labelled run: the SAME data and queries, then the proposed
  fixes applied to this scratch database and to scratch copies of catalog_search functions
  (defined in this file, monkeypatched in only for that pass; nothing under workflows/ changes):
    SQLite      ANALYZE; index (status, published_on DESC, code); covering facet index; a
                contentless FTS5 bigram table (trigger-kept) for 2-character keywords; fts5vocab
                tables whose document counts pick the plan (rowid lookups for few hits, index
                walks for many); a trigger-kept facet summary table for searches without keyword
    PostgreSQL  the same two indexes and summary table; a stored bigram array column with a GIN
                index for 2-character keywords
    both        facet counts from ONE grouped query (the shipped code runs one more per chosen
                facet filter); no page query when the page is past the end
  It checks that totals, first pages and facet counts are identical to the shipped code, prints
  the DDL times, the figures beside the baseline, and the insert time of 5,000 rows (rolled back)
  before and after the extra indexes/triggers.

Run
  .venv/bin/python bench/catalog.py                       # both databases, 100,000 rows
  .venv/bin/python bench/catalog.py --only sqlite --rows 20000 --repeat 20
  .venv/bin/python bench/catalog.py --explain             # plans of the misses
  .venv/bin/python bench/catalog.py --experiment          # baseline vs proposed fixes
  .venv/bin/python bench/catalog.py --only sqlite --experiment --explain   # ~3.5 min per database

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
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# bench/ holds an http.py: keep this folder off sys.path or it shadows the standard library's
# `http` (werkzeug and httpx import it)
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT))

import sqlalchemy  # noqa: E402
from sqlalchemy import func, insert, literal_column, select, text  # noqa: E402

from workflows import catalog_search, demo, migrate  # noqa: E402
from workflows.catalog_search import Page, parse_resource_query  # noqa: E402
from bench import databases  # noqa: E402
from workflows.db import make_engine, make_session_factory  # noqa: E402
from workflows.models import (  # noqa: E402
    CategoryClass, OpenType, Resource, ResourceFormat, ResourceStatus, Sensitivity, ShareMethod, ShareType,
    Unit, UpdateCycle,
)

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TARGET_P95_MS = 50.0
INSERT_BATCH = 5_000
WARMUP = 3
BUDGET_PER_TYPE_S = 3.0      # a slow query type is repeated fewer times (at least MIN_REPEAT)
MIN_REPEAT = 10
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
NOUNS = ["登记信息", "基本信息", "缴费记录", "许可证照", "检查记录", "变更信息", "注销信息", "统计数据",
         "核验结果", "审批信息", "备案信息", "处罚信息", "年度报告", "发放台账", "名录"]
NOUN_WEIGHTS = [10, 10, 6, 5, 5, 5, 3, 4, 3, 4, 3, 3, 2, 2, 2]
FIELDS = ["姓名", "公民身份号码", "统一社会信用代码", "地址", "联系电话", "出生日期", "登记日期", "证照编号",
          "有效期限", "金额", "面积", "法定代表人", "性别", "民族", "单位名称", "经营范围", "办理状态",
          "审批意见", "发证机关", "缴费基数", "参保状态", "房屋坐落", "车辆号牌", "学校名称"]
TOWNS = ["城关镇", "会亭镇", "马头镇", "济阳镇", "李集镇", "车站镇", "杨集镇", "韩道口镇", "太平镇", "罗庄镇",
         "火店镇", "北岭镇", "郭店镇", "业庙乡", "中峰乡", "桑堌乡", "胡桥乡", "何营乡", "王集乡", "歧河乡"]
# (phrase, probability per summary): rare words so that some keywords match only a few rows
RARE = [("危险化学品", 0.002), ("量子通信", 0.0001), ("非物质文化遗产", 0.001), ("冷链食品", 0.003)]
CYCLE_WORDS = {UpdateCycle.REALTIME: "实时", UpdateCycle.DAILY: "每日", UpdateCycle.WEEKLY: "每周",
               UpdateCycle.MONTHLY: "每月", UpdateCycle.QUARTERLY: "每季度", UpdateCycle.YEARLY: "每年"}
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
            "code": f"BX-{unit_code.upper()}-{i:06d}", "name": name, "provider_unit_id": unit_id,
            "category_class": category, "category_path": f"{category.label}/{domain}/{qualifier or noun}",
            "summary": "，".join(parts), "format": rng.choice(formats), "share_type": rng.choice(share),
            "share_condition": "", "share_method": rng.choice(methods), "open_type": rng.choice(opens),
            "update_cycle": cycle, "sensitivity": rng.choice(sens),
            "published_on": FIRST_DAY + timedelta(days=rng.randrange(span)), "related_codes": [],
            "mandate": "", "collection_note": "", "duplicate_reason": "", "status": ResourceStatus.PUBLISHED,
            "correction_reason": "", "revision": 1, "updated_at": now,
        }


# --- query types -------------------------------------------------------------------

@dataclass(frozen=True)
class QueryType:
    label: str
    args: dict


def _keyword(q: str, note: str, unit: str) -> list[QueryType]:
    chars = f"{len(q)}ch"
    return [QueryType(f"{chars} {q} ({note})", {"q": q}),
            QueryType(f"{chars} {q} +conditional+unit={unit}", {"q": q, "share_type": "conditional", "unit": unit})]


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
    QueryType("no keyword, conditional+unit=公安+format", {"share_type": "conditional", "unit": "公安",
                                                          "format": "database"}),
    QueryType("first page, no filters", {}),
    QueryType("page 50, no filters", {"page": "50"}),
]


# --- timing ------------------------------------------------------------------------

@dataclass
class Result:
    label: str
    total: int
    times: list[float]
    facet_times: list[float] = field(default_factory=list)
    facet_queries: int = 0

    def pct(self, p: float, values=None) -> float:
        values = sorted(values if values is not None else self.times)
        if not values:
            return float("nan")
        k = (len(values) - 1) * p
        lo, hi = int(k), min(int(k) + 1, len(values) - 1)
        return (values[lo] + (values[hi] - values[lo]) * (k - lo)) * 1000

    @property
    def p50(self) -> float:
        return self.pct(0.5)

    @property
    def p95(self) -> float:
        return self.pct(0.95)

    @property
    def ok(self) -> bool:
        return self.p95 < TARGET_P95_MS


def _facet_function_name() -> str:
    """The function that runs one grouped facet count (renamed _facets -> _grouped_counts in 51159d6)."""
    for name in ("_facet_counts", "_grouped_counts", "_facets"):
        if hasattr(catalog_search, name):
            return name
    raise SystemExit("catalog_search has no facet-count function the bench knows: update bench/catalog.py")


class FacetTimer:
    """Wraps catalog_search's grouped-count function to time the facet queries of each search
    (all calls of one search summed: the shipped code counts once more per chosen facet filter).
    Behaviour unchanged."""

    def __init__(self):
        self.samples: list[float] = []
        self.calls: list[int] = []
        self._current = 0.0
        self._count = 0

    def start(self) -> None:
        self._current, self._count = 0.0, 0

    def stop(self) -> None:
        self.samples.append(self._current)
        self.calls.append(self._count)

    @contextlib.contextmanager
    def installed(self):
        if catalog_search.search_resources is exp_search_resources:   # experiment pass
            module, name = sys.modules[__name__], "exp_facet_rows"
        else:
            module, name = catalog_search, _facet_function_name()
        inner = getattr(module, name)

        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self._current += time.perf_counter() - began
                self._count += 1

        setattr(module, name, timed)
        try:
            yield self
        finally:
            setattr(module, name, inner)


def run_once(sessions, args: dict, timer: FacetTimer | None = None) -> tuple[int, float]:
    if timer:
        timer.start()
    began = time.perf_counter()
    with sessions() as session:
        page = catalog_search.search_resources(session, parse_resource_query(args))
        total = page.total
        assert len(page.items) <= page.per_page
    elapsed = time.perf_counter() - began
    if timer:
        timer.stop()
    return total, elapsed


def measure(sessions, query: QueryType, repeat: int) -> Result:
    timer = FacetTimer()
    with timer.installed():
        warm = [run_once(sessions, query.args) for _ in range(WARMUP)]
        total = warm[-1][0]
        typical = statistics.median(t for _, t in warm)
        n = repeat if typical * repeat <= BUDGET_PER_TYPE_S else max(MIN_REPEAT, int(BUDGET_PER_TYPE_S / typical))
        times = []
        for _ in range(n):
            got, elapsed = run_once(sessions, query.args, timer)
            if got != total:
                raise SystemExit(f"{query.label}: total changed from {total} to {got}")
            times.append(elapsed)
    return Result(query.label, total, times, list(timer.samples), max(timer.calls, default=0))


def run_all(sessions, repeat: int) -> list[Result]:
    return [measure(sessions, q, repeat) for q in QUERY_TYPES]


def _pad(label: str, width: int) -> str:
    """Left-justify by display width (a CJK character takes two columns)."""
    shown = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)
    return label + " " * max(width - shown, 0)


def print_results(title: str, results: list[Result], baseline: list[Result] | None = None) -> None:
    print(f"\n{title}")
    head = (f"  {'query type':<44} {'matched':>8} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'facets p50':>10}"
            f" {'#fq':>3}")
    if baseline:
        head += f" {'baseline p95':>12}"
    print(head + "  verdict")
    for i, r in enumerate(results):
        line = (f"  {_pad(r.label, 44)} {r.total:>8} {len(r.times):>3} {r.p50:>8.1f} {r.p95:>8.1f} "
                f"{r.pct(0.5, r.facet_times):>10.1f} {r.facet_queries:>3}")
        if baseline:
            line += f" {baseline[i].p95:>12.1f}"
        print(line + ("  PASS" if r.ok else "  MISS"))
    misses = sum(not r.ok for r in results)
    print(f"  {len(results) - misses} PASS, {misses} MISS (target p95 < {TARGET_P95_MS:.0f} ms)")


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
    print(f"  loaded {count} resources ({rows} generated + demo): insert {insert_s:.1f} s "
          f"({rows / insert_s:,.0f} rows/s, batches of {INSERT_BATCH})"
          + (f", VACUUM ANALYZE {analyze_s:.1f} s" if analyze_s else ""))
    return db, sessions


# --- plans -------------------------------------------------------------------------

def statements(session, args: dict):
    """The statements search_resources runs, built the same way: the grouped facet count, one more
    per chosen facet filter (without that filter), and the page (without the ORM's joined unit)."""
    query = parse_resource_query(args)
    experiment = catalog_search.search_resources is exp_search_resources
    facet_rowid, page_rowid = (exp_rowid_plan(exp_match_estimate(session, query.q)) if experiment
                               else (False, False))
    columns = list(catalog_search._COLUMN.values())

    def grouped(conditions):
        return select(*columns, func.count()).where(*conditions).group_by(*columns)

    if experiment:
        out = {"facets (one statement)": exp_facet_statement(session, query, facet_rowid)}
    else:
        out = {"facets": grouped(exp_conditions(session, query, facet_rowid))}
        for name in query.filters:
            out[f"facets without {name}"] = grouped(exp_conditions(session, query, facet_rowid, without=name))
    out["page"] = (select(Resource).where(*exp_conditions(session, query, page_rowid))
                   .order_by(Resource.published_on.desc(), Resource.code)
                   .limit(query.per_page).offset((query.page - 1) * query.per_page))
    return out


def explain(sessions, query: QueryType) -> None:
    print(f"\n  -- {query.label}  {query.args}")
    with sessions() as session:
        dialect = session.get_bind().dialect
        for name, stmt in statements(session, query.args).items():
            compiled = stmt.compile(dialect=dialect)
            times = []
            for _ in range(3):
                began = time.perf_counter()
                session.execute(stmt).all()
                times.append((time.perf_counter() - began) * 1000)
            print(f"     {name} query alone: median {statistics.median(times):.1f} ms of 3")
            if dialect.name == "sqlite":
                params = tuple(compiled.params[k] for k in compiled.positiontup)
                rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), params).all()
                for row in rows:
                    print(f"       {row[-1]}")
            else:
                rows = session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + str(compiled),
                                                            compiled.params).all()
                for row in rows:
                    print(f"       {row[0]}")


def explain_misses(sessions, results: list[Result]) -> None:
    missed = [q for q, r in zip(QUERY_TYPES, results) if not r.ok]
    if missed:
        print("\n  plans of the misses (facet queries, then page query):")
    for query in missed:
        explain(sessions, query)


# --- EXPERIMENT: proposed fixes on a scratch copy (only with --experiment) -------------
#
# Nothing here changes workflows/ on disk. The DDL runs on the bench's own throw-away database,
# and the functions below are scratch copies of catalog_search functions (as of commit 51159d6),
# monkeypatched in only for the experiment pass and restored afterwards.

ORDER_INDEX = "ix_resource_status_published"
FACET_INDEX = "ix_resource_facets"
ROWID_PLAN_MAX = 10_000     # SQLite: up to this many estimated hits, count/sort them by rowid lookups
ORDER_WALK_FROM = 2_000     # SQLite: above this many estimated hits, the page walks the order index

_FACETS_SQL = "share_type, open_type, format, category_class, sensitivity, update_cycle"
_SQLITE_PLUS = ("INSERT INTO resource_facet_count SELECT {row}.share_type, {row}.open_type, {row}.format, "
                "{row}.category_class, {row}.sensitivity, {row}.update_cycle, 1 WHERE true "
                "ON CONFLICT DO UPDATE SET n = n + 1;")
_SQLITE_MINUS = ("UPDATE resource_facet_count SET n = n - 1 WHERE share_type = {row}.share_type AND "
                 "open_type = {row}.open_type AND format = {row}.format AND category_class = {row}.category_class "
                 "AND sensitivity = {row}.sensitivity AND update_cycle = {row}.update_cycle;")
_PG_FACET_FUNCTION = """CREATE FUNCTION resource_facet_count_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.status = 'published' THEN
    UPDATE resource_facet_count SET n = n - 1 WHERE (share_type, open_type, format, category_class, sensitivity,
      update_cycle) = (OLD.share_type, OLD.open_type, OLD.format, OLD.category_class, OLD.sensitivity, OLD.update_cycle);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'published' THEN
    INSERT INTO resource_facet_count VALUES (NEW.share_type, NEW.open_type, NEW.format, NEW.category_class,
      NEW.sensitivity, NEW.update_cycle, 1)
    ON CONFLICT (share_type, open_type, format, category_class, sensitivity, update_cycle) DO UPDATE
      SET n = resource_facet_count.n + 1;
  END IF;
  RETURN NULL;
END $$"""

SQLITE_EXPERIMENT_DDL = [
    # 1. statistics (sqlite_stat1): without them SQLite walks ix_resource_status_unit (status=?),
    #    i.e. all 100k rows, for every query, keyword or not
    "ANALYZE",
    # 2. ordered index: the page (ORDER BY published_on DESC, code LIMIT 20) stops after 20 rows
    f"CREATE INDEX {ORDER_INDEX} ON resource (status, published_on DESC, code)",
    # 3. covering facet index: GROUP BY over the six facets streams in index order, no sort and
    #    no table access; provider_unit_id last so the unit filter is covered too
    f"CREATE INDEX {FACET_INDEX} ON resource (status, share_type, open_type, format, category_class, "
    "sensitivity, update_cycle, provider_unit_id)",
    # 4. bigram index for 2-character keywords (the trigram FTS5 table cannot answer them):
    #    a contentless FTS5 table of overlapping bigrams, one token each, kept by triggers that
    #    call xy_bigrams(), a Python function registered on every connection (workflows/db.py)
    "CREATE VIRTUAL TABLE resource_bigram USING fts5(name, summary, content='', detail=none, "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER resource_bigram_ai AFTER INSERT ON resource BEGIN "
    "INSERT INTO resource_bigram(rowid, name, summary) VALUES (new.id, xy_bigrams(new.name), "
    "xy_bigrams(new.summary)); END",
    "CREATE TRIGGER resource_bigram_ad AFTER DELETE ON resource BEGIN "
    "INSERT INTO resource_bigram(resource_bigram, rowid, name, summary) VALUES ('delete', old.id, "
    "xy_bigrams(old.name), xy_bigrams(old.summary)); END",
    "CREATE TRIGGER resource_bigram_au AFTER UPDATE OF name, summary ON resource BEGIN "
    "INSERT INTO resource_bigram(resource_bigram, rowid, name, summary) VALUES ('delete', old.id, "
    "xy_bigrams(old.name), xy_bigrams(old.summary)); "
    "INSERT INTO resource_bigram(rowid, name, summary) VALUES (new.id, xy_bigrams(new.name), "
    "xy_bigrams(new.summary)); END",
    "INSERT INTO resource_bigram(rowid, name, summary) SELECT id, xy_bigrams(name), xy_bigrams(summary) "
    "FROM resource",
    # 5. vocabulary views: per-token document counts, a sub-millisecond upper bound of the hits,
    #    so the code can pick the plan SQLite cannot (it has no idea how many rows MATCH returns)
    "CREATE VIRTUAL TABLE resource_fts_vocab USING fts5vocab(resource_fts, 'row')",
    "CREATE VIRTUAL TABLE resource_bigram_vocab USING fts5vocab(resource_bigram, 'row')",
    # 6. facet summary: published entries counted per combination of the six facets, kept by
    #    triggers; a search without keyword/unit/category reads <= 2,916 rows instead of 100k
    "CREATE TABLE resource_facet_count (share_type VARCHAR(20) NOT NULL, open_type VARCHAR(20) NOT NULL, "
    "format VARCHAR(20) NOT NULL, category_class VARCHAR(20) NOT NULL, sensitivity VARCHAR(20) NOT NULL, "
    "update_cycle VARCHAR(20) NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (share_type, open_type, format, "
    "category_class, sensitivity, update_cycle)) WITHOUT ROWID",
    "CREATE TRIGGER resource_facet_count_ai AFTER INSERT ON resource WHEN new.status = 'published' BEGIN "
    + _SQLITE_PLUS.format(row="new") + " END",
    "CREATE TRIGGER resource_facet_count_ad AFTER DELETE ON resource WHEN old.status = 'published' BEGIN "
    + _SQLITE_MINUS.format(row="old") + " END",
    "CREATE TRIGGER resource_facet_count_au AFTER UPDATE OF status, " + _FACETS_SQL + " ON resource BEGIN "
    + _SQLITE_MINUS.format(row="old").replace("WHERE ", "WHERE old.status = 'published' AND ")
    + " " + _SQLITE_PLUS.format(row="new").replace("WHERE true", "WHERE new.status = 'published'") + " END",
    "INSERT INTO resource_facet_count SELECT " + _FACETS_SQL + ", count(*) FROM resource "
    "WHERE status = 'published' GROUP BY " + _FACETS_SQL,
]
POSTGRES_EXPERIMENT_DDL = [
    f"CREATE INDEX {ORDER_INDEX} ON resource (status, published_on DESC, code)",
    f"CREATE INDEX {FACET_INDEX} ON resource (status, share_type, open_type, format, category_class, "
    "sensitivity, update_cycle, provider_unit_id)",
    # pg_trgm extracts no trigram from '%ab%': a GIN index over the array of bigrams of
    # name || ' ' || summary answers 2-character keywords exactly ('ab' is a substring of the
    # text  <=>  'ab' is one of its bigrams)
    "CREATE FUNCTION xy_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    "$$ SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[]) "
    "FROM generate_series(1, char_length(t) - 1) AS i $$",
    # stored, not an expression index: a GIN array match is rechecked row by row, and evaluating
    # xy_bigrams() per row made a common bigram (信息) take seconds
    "ALTER TABLE resource ADD COLUMN text_bigrams text[] "
    "GENERATED ALWAYS AS (xy_bigrams(name || ' ' || summary)) STORED",
    "CREATE INDEX ix_resource_bigrams ON resource USING gin (text_bigrams)",
    "CREATE TABLE resource_facet_count (share_type VARCHAR(20) NOT NULL, open_type VARCHAR(20) NOT NULL, "
    "format VARCHAR(20) NOT NULL, category_class VARCHAR(20) NOT NULL, sensitivity VARCHAR(20) NOT NULL, "
    "update_cycle VARCHAR(20) NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (share_type, open_type, format, "
    "category_class, sensitivity, update_cycle))",
    _PG_FACET_FUNCTION,
    "CREATE TRIGGER resource_facet_count AFTER INSERT OR DELETE OR UPDATE OF status, " + _FACETS_SQL
    + " ON resource FOR EACH ROW EXECUTE FUNCTION resource_facet_count_keep()",
    "INSERT INTO resource_facet_count SELECT " + _FACETS_SQL + ", count(*) FROM resource "
    "WHERE status = 'published' GROUP BY " + _FACETS_SQL,
    "VACUUM ANALYZE resource",
]


def xy_bigrams(value: str | None) -> str | None:
    """'户籍人口' -> '户籍 籍人 人口': every overlapping pair of characters, one token each."""
    if value is None:
        return None
    return " ".join(value[i:i + 2] for i in range(len(value) - 1))


def _bigram_token(q: str) -> bool:
    """Two characters that unicode61 keeps together as one token (letters/digits, CJK included)."""
    return len(q) == 2 and all(ch.isalnum() for ch in q)


def exp_text_condition(session, q: str):
    """Scratch copy of catalog_search._text_condition with a bigram path for 2 characters."""
    if session.get_bind().dialect.name == "postgresql":
        if len(q) == 2:
            return text("resource.text_bigrams @> ARRAY[CAST(:bigram AS text)]").bindparams(bigram=q)
        return (Resource.name + literal_column("' '") + Resource.summary).contains(q, autoescape=True)
    if len(q) >= 3:
        phrase = '"' + q.replace('"', '""') + '"'
        return Resource.id.in_(text("SELECT rowid FROM resource_fts WHERE resource_fts MATCH :phrase")
                               .bindparams(phrase=phrase))
    if _bigram_token(q):
        return Resource.id.in_(text("SELECT rowid FROM resource_bigram WHERE resource_bigram MATCH :bigram")
                               .bindparams(bigram='"' + q + '"'))
    return sqlalchemy.or_(Resource.name.contains(q, autoescape=True), Resource.summary.contains(q, autoescape=True))


def exp_match_estimate(session, q: str) -> int | None:
    """SQLite only: an upper bound of the keyword's hits from the FTS vocabularies (None: no keyword,
    PostgreSQL, or a keyword answered by LIKE). Trigram: the rarest trigram's document count;
    bigram: exact."""
    if not q or session.get_bind().dialect.name != "sqlite":
        return None
    if len(q) >= 3:
        table, terms = "resource_fts_vocab", {q[i:i + 3].lower() for i in range(len(q) - 2)}
    elif _bigram_token(q):
        table, terms = "resource_bigram_vocab", {q.lower()}
    else:
        return None
    found = session.execute(text(f"SELECT term, doc FROM {table} WHERE term IN :terms")
                            .bindparams(sqlalchemy.bindparam("terms", expanding=True)),
                            {"terms": sorted(terms)}).all()
    return 0 if len(found) < len(terms) else min(doc for _, doc in found)


def exp_rowid_plan(estimate: int | None) -> tuple[bool, bool]:
    """SQLite: (facet counts, page) should fetch the few hits by rowid instead of walking an index.
    With statistics and the two new indexes SQLite always walks ix_resource_facets /
    ix_resource_status_published for a keyword (it cannot know how many rows MATCH returns):
    right for common keywords, a 100k-entry walk for rare ones."""
    if estimate is None:
        return False, False
    return estimate <= ROWID_PLAN_MAX, estimate <= ORDER_WALK_FROM


def exp_conditions(session, query, rowid_plan: bool, without: str = "") -> list:
    """catalog_search._resource_conditions, with `+resource.status` (SQLite's idiom that keeps an
    index from being used for a term) when the hits are to be fetched by rowid."""
    kept = {name: member for name, member in query.filters.items() if name != without}
    conditions = catalog_search._resource_conditions(session, dataclasses.replace(query, filters=kept))
    if rowid_plan:
        conditions[0] = literal_column("+resource.status", sqlalchemy.String) == ResourceStatus.PUBLISHED
    return conditions


def exp_facet_statement(session, query, facet_rowid: bool):
    """The one facet statement: the summary table when only facet filters are given, else the
    grouped count over the matches with every facet filter left out."""
    if not (query.q or query.unit or query.category_path):
        return text(f"SELECT {_FACETS_SQL}, n FROM resource_facet_count WHERE n > 0")
    columns = list(catalog_search._COLUMN.values())
    conditions = exp_conditions(session, dataclasses.replace(query, filters={}), facet_rowid)
    return select(*columns, func.count()).where(*conditions).group_by(*columns)


def exp_facet_rows(session, query, facet_rowid: bool) -> list:
    return session.execute(exp_facet_statement(session, query, facet_rowid)).all()


def exp_facet_counts(rows: list, chosen: dict) -> tuple[dict, int]:
    """All facet counts and the total from ONE grouped scan that leaves every facet filter out:
    the filters are equalities on the grouped columns, so each group row tells which filters it
    passes. A facet that is filtered on counts the rows passing the other filters (what the
    shipped code gets from one more grouped query per chosen facet); the others and the total
    count the rows passing all of them."""
    names = list(catalog_search._COLUMN)
    wanted = {names.index(name): value for name, value in chosen.items()}
    counts = {name: {m.value: 0 for m in enum_cls} for name, enum_cls in catalog_search.FACETS.items()}
    total = 0
    for *values, n in rows:
        failed = [i for i, value in wanted.items() if values[i] != value]
        if not failed:          # passes every filter: counts for the total and for every facet
            total += n
            for i, name in enumerate(names):
                if values[i] in counts[name]:
                    counts[name][values[i]] += n
        elif len(failed) == 1:  # fails only facet i's own filter: counts for facet i alone
            i = failed[0]
            if values[i] in counts[names[i]]:
                counts[names[i]][values[i]] += n
    return counts, total


def exp_search_resources(session, query) -> Page:
    """Scratch copy of catalog_search.search_resources (51159d6) with: the facet counts from one
    grouped scan (exp_facet_counts) - or from the summary table when only facet filters are
    given - on SQLite the plan chosen from the estimated hits, and no page
    query when nothing can be on the page."""
    facet_rowid, page_rowid = exp_rowid_plan(exp_match_estimate(session, query.q))
    rows = exp_facet_rows(session, query, facet_rowid)
    counts, total = exp_facet_counts(rows, {name: member.value for name, member in query.filters.items()})
    offset = (query.page - 1) * query.per_page
    items = []
    if total > offset:
        items = session.scalars(select(Resource).where(*exp_conditions(session, query, page_rowid))
                                .order_by(Resource.published_on.desc(), Resource.code)
                                .limit(query.per_page).offset(offset)).all()
    facets = {name: [{"value": code, "label": catalog_search.FACETS[name](code).label, "count": n}
                     for code, n in per.items()] for name, per in counts.items()}
    return Page(list(items), total, query.page, query.per_page, facets)


@contextlib.contextmanager
def patched():
    saved = catalog_search._text_condition, catalog_search.search_resources
    catalog_search._text_condition, catalog_search.search_resources = exp_text_condition, exp_search_resources
    try:
        yield
    finally:
        catalog_search._text_condition, catalog_search.search_resources = saved


def timed_insert_rolled_back(db, rows: int = INSERT_BATCH, verify: bool = False) -> float:
    """Seconds to insert one batch of generated resources, then rolled back (data unchanged)."""
    with db.connect() as conn:
        units = {r.code: (r.id, r.name, r.short_name)
                 for r in conn.execute(select(Unit.code, Unit.id, Unit.name, Unit.short_name))}
        conn.rollback()
        batch = list(generated_rows(rows, units, random.Random(SEED + 1)))
        for row in batch:
            row["code"] = "TMP-" + row["code"]
        trans = conn.begin()
        began = time.perf_counter()
        conn.execute(insert(Resource.__table__), batch)
        elapsed = time.perf_counter() - began
        if verify:
            verify_triggers(conn)
        trans.rollback()
    return elapsed


def verify_triggers(conn) -> None:
    """Inside the insert's transaction: the trigger-kept structures agree with the table."""
    columns = list(catalog_search._COLUMN.values())
    fresh = set(map(tuple, conn.execute(select(*columns, func.count()).where(
        Resource.status == ResourceStatus.PUBLISHED).group_by(*columns)).all()))
    kept = set(map(tuple, conn.execute(text(f"SELECT {_FACETS_SQL}, n FROM resource_facet_count WHERE n > 0")).all()))
    if fresh != kept:
        raise SystemExit("resource_facet_count disagrees with resource after the insert")
    like = conn.scalar(select(func.count()).select_from(Resource).where(sqlalchemy.or_(
        Resource.name.contains("户籍"), Resource.summary.contains("户籍"))))
    if conn.dialect.name == "sqlite":
        bigram = conn.scalar(text("SELECT count(*) FROM resource_bigram WHERE resource_bigram MATCH '\"户籍\"'"))
    else:
        bigram = conn.scalar(text("SELECT count(*) FROM resource WHERE text_bigrams @> ARRAY['户籍']"))
    if like != bigram:
        raise SystemExit(f"bigram index finds {bigram} rows for 户籍 after the insert, LIKE finds {like}")
    print("  after the timed insert: facet summary and bigram index agree with the table")


def storage(db) -> str:
    with db.connect() as conn:
        if db.dialect.name == "sqlite":
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar() * conn.exec_driver_sql("PRAGMA page_size").scalar()
            return f"database file {pages / 1e6:.0f} MB"
        heap, indexes = conn.exec_driver_sql("SELECT pg_table_size('resource'), pg_indexes_size('resource')").one()
        return f"resource table {heap / 1e6:.0f} MB, its indexes {indexes / 1e6:.0f} MB"


def apply_experiment_ddl(db) -> list[tuple[str, float]]:
    timings = []
    if db.dialect.name == "sqlite":
        @sqlalchemy.event.listens_for(db, "connect")
        def _register(dbapi_conn, _record):
            dbapi_conn.create_function("xy_bigrams", 1, xy_bigrams, deterministic=True)

        db.dispose()  # pooled connections predate the function
        with db.begin() as conn:
            for statement in SQLITE_EXPERIMENT_DDL:
                began = time.perf_counter()
                conn.exec_driver_sql(statement)
                timings.append((statement, time.perf_counter() - began))
        with db.begin() as conn:   # for comparison: the shipped trigram index built from scratch
            began = time.perf_counter()
            conn.exec_driver_sql("INSERT INTO resource_fts(resource_fts) VALUES ('rebuild')")
            timings.append(("(shipped trigram resource_fts 'rebuild', for comparison)",
                            time.perf_counter() - began))
    else:
        with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for statement in POSTGRES_EXPERIMENT_DDL:
                began = time.perf_counter()
                conn.exec_driver_sql(statement)
                timings.append((statement, time.perf_counter() - began))
    return timings


def answers(sessions) -> list[tuple]:
    """Total, first page codes and facet counts of every query type."""
    out = []
    for query in QUERY_TYPES:
        with sessions() as session:
            page = catalog_search.search_resources(session, parse_resource_query(query.args))
            out.append((page.total, [r.code for r in page.items], repr(page.facets)))
    return out


def run_experiment(name: str, db, sessions, args, baseline: list[Result]) -> None:
    print(f"\n  ### EXPERIMENT ({name}): proposed fixes on this scratch database, patched scratch copies of"
          f"\n  ### catalog_search._text_condition and search_resources (workflows/ untouched)")
    expected = answers(sessions)
    size_before = storage(db)
    insert_before = timed_insert_rolled_back(db)
    for statement, seconds in apply_experiment_ddl(db):
        print(f"  {seconds:7.2f} s  {' '.join(statement.split())[:110]}")
    print(f"  storage: {size_before} before, {storage(db)} after")
    with patched():
        for query, before, after in zip(QUERY_TYPES, expected, answers(sessions)):
            if before != after:
                raise SystemExit(f"experiment changed the answer of {query.label}")
        print("  same totals, first pages and facet counts as shipped for every query type")
        results = run_all(sessions, args.repeat)
        print_results(f"{name}: EXPERIMENT (indexes + bigram path + plan choice)", results, baseline)
        if args.explain:
            explain_misses(sessions, results)
    insert_after = timed_insert_rolled_back(db, verify=True)
    print(f"  insert {INSERT_BATCH} rows (rolled back): shipped schema {insert_before:.2f} s, "
          f"with the experiment's indexes/triggers {insert_after:.2f} s")


# --- main --------------------------------------------------------------------------

def bench_backend(name: str, url: str, args) -> None:
    print(f"\n=== {name} ===")
    db, sessions = load(url, args.rows)
    try:
        results = run_all(sessions, args.repeat)
        print_results(f"{name}: search_resources, as shipped", results)
        if args.explain:
            explain_misses(sessions, results)
        if args.experiment:
            run_experiment(name, db, sessions, args, results)
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--pg-url", default=PG_SERVER)
    parser.add_argument("--explain", action="store_true", help="print plans of the query types that miss")
    parser.add_argument("--experiment", action="store_true", help="also run with the proposed fixes applied")
    args = parser.parse_args()
    print(f"catalog search benchmark: {args.rows:,} generated resources, repeat {args.repeat} "
          f"(+{WARMUP} warm-up), target p95 < {TARGET_P95_MS:.0f} ms")
    print(f"python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
          f"sqlite {__import__('sqlite3').sqlite_version}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f} (other work on the machine skews the figures)")
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
