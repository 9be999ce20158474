"""Catalog and interface search (附件): Chinese substrings through the database's own text index."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Integer, String, bindparam, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from workflows.catalog.facet_cache import FacetCache
from workflows.catalog.queries import (  # noqa: F401  (callers find the queries beside the search)
    FACETS,
    FIELD_LABELS,
    MAX_CALLS,
    MAX_PAGE,
    MAX_PER_PAGE,
    SORT_CHOICES,
    InterfaceQuery,
    ResourceQuery,
    parse_interface_query,
    parse_resource_query,
)
from workflows import clock
from workflows.db import is_postgres
from workflows.models import (
    CatalogGeneration,
    Interface,
    ObjectClass,
    Resource,
    ResourceStatus,
    ShareType,
    Unit,
)
from workflows.usage import reports as usage_reports

_COLUMN = {
    "share_type": Resource.share_type,
    "open_type": Resource.open_type,
    "format": Resource.format,
    "category": Resource.category_class,
    "sensitivity": Resource.sensitivity,
    "update_cycle": Resource.update_cycle,
}


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int
    facets: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def refused_page(facet_names=tuple(FACETS)) -> Page:
    """What a refused query shows: no entries (never the whole catalog) and the filter choices without counts."""
    enums = FACETS | {"object_class": ObjectClass}
    return Page(
        [],
        0,
        1,
        20,
        {name: [{"value": m.value, "label": m.label, "count": None} for m in enums[name]] for name in facet_names},
    )


# SQLite cannot know how many rows an FTS match returns; the vocabulary tables can. Few hits are
# fetched by rowid; many are found by walking an index in order (measured in bench/catalog.py).
FACETS_BY_ROWID_MAX = 8_000
PAGE_BY_ROWID_MAX = 2_000
_cache = FacetCache()


def _bigram_term(q: str) -> bool:
    """One or two letters/digits (CJK included): one term of the SQLite bigram index."""
    return len(q) <= 2 and q.isalnum()


def _text_condition(session: Session, q: str, by_rowid: bool = True):
    """Substring match on name and summary through the database's own index: trigrams for 3+
    characters (FTS5 trigram / pg_trgm), bigrams below (FTS5 table of character pairs / a GIN
    index over the text's bigram array); LIKE only for 1-2 characters with punctuation (SQLite)
    or a single character (PostgreSQL). On SQLite the matches are fetched by rowid, or with
    by_rowid=False only tested while an index is walked (the unary + hides the rowid from the planner)."""
    if is_postgres(session):
        if len(q) == 2:
            return text("resource.text_bigrams @> ARRAY[CAST(:bigram AS text)]").bindparams(bigram=q)
        return (Resource.name + literal_column("' '") + Resource.summary).contains(q, autoescape=True)
    row_id = Resource.id if by_rowid else literal_column("+resource.id", Integer)
    if len(q) >= 3:
        return row_id.in_(
            text("SELECT rowid FROM resource_fts WHERE resource_fts MATCH :phrase").bindparams(
                phrase='"' + q.replace('"', '""') + '"'
            )
        )
    if _bigram_term(q):
        return row_id.in_(
            text("SELECT rowid FROM resource_bigram WHERE resource_bigram MATCH :term").bindparams(
                term=f'"{q}"' if len(q) == 2 else f'"{q}" *'
            )
        )
    return or_(Resource.name.contains(q, autoescape=True), Resource.summary.contains(q, autoescape=True))


def _match_estimate(session: Session, q: str) -> int | None:
    """An upper bound of the keyword's hits from the FTS vocabulary (SQLite only; None when unknown).
    Trigrams: the rarest trigram's document count; bigrams: exact."""
    if not q or is_postgres(session):
        return None
    if len(q) >= 3:
        table, terms = "resource_fts_vocab", sorted({q[i : i + 3].lower() for i in range(len(q) - 2)})
    elif len(q) == 2 and _bigram_term(q):
        table, terms = "resource_bigram_vocab", [q.lower()]
    else:
        return None
    found = (
        session.execute(
            text(f"SELECT doc FROM {table} WHERE term IN :terms").bindparams(bindparam("terms", expanding=True)),
            {"terms": terms},
        )
        .scalars()
        .all()
    )
    return 0 if len(found) < len(terms) else min(found)


def by_rowid(estimate: int | None, limit: int) -> bool | None:
    """The plan for an estimated number of hits: True fetch by rowid, False walk an index, None unknown."""
    return None if estimate is None else estimate <= limit


# A keyword that could be part of a 资源代码 (XY-GA-001, "ga-001", "GA"): also matched on the code, in any case.
_CODE_FRAGMENT = re.compile(r"[A-Za-z0-9-]{2,30}")


def _unit_ids(session: Session, keyword: str) -> list[int]:
    return list(
        session.scalars(
            select(Unit.id)
            .where(
                or_(Unit.name.contains(keyword, autoescape=True), Unit.short_name.contains(keyword, autoescape=True))
            )
            .order_by(Unit.id)
        )
    )


def _conditions(
    session: Session,
    query: ResourceQuery,
    unit_ids: list[int] | None,
    with_facet_filters: bool = True,
    by_rowid: bool | None = None,
) -> list:
    """The query's conditions; facet filters can be left out to count every facet in one scan.
    by_rowid (SQLite, known hits): True fetches the matches by rowid (the unary + keeps the planner
    off the status indexes), False walks a status index testing each row (None: the planner's choice)."""
    published = ResourceStatus.PUBLISHED.value
    status = literal_column("+resource.status", String) if by_rowid else Resource.status
    conditions = [status == published]
    if query.q:
        condition = _text_condition(session, query.q, by_rowid is not False)
        if _CODE_FRAGMENT.fullmatch(query.q):
            condition = or_(condition, func.upper(Resource.code).contains(query.q.upper(), autoescape=True))
        conditions.append(condition)
    if unit_ids is not None:
        conditions.append(Resource.provider_unit_id.in_(unit_ids))
    if query.shared_only:
        conditions.append(Resource.share_type != ShareType.NOT_SHARED)
    if with_facet_filters:
        conditions += [_COLUMN[name] == member for name, member in query.filters.items()]
    if query.category_path:
        conditions.append(Resource.category_path.startswith(query.category_path, autoescape=True))
    return conditions


def search_resources(session: Session, query: ResourceQuery) -> Page:
    unit_ids = _unit_ids(session, query.unit) if query.unit else None
    estimate = None if _CODE_FRAGMENT.fullmatch(query.q) else _match_estimate(session, query.q)
    rows = _grouped_rows(session, query, unit_ids, by_rowid(estimate, FACETS_BY_ROWID_MAX))
    counts, total = _facet_counts(rows, {name: member.value for name, member in query.filters.items()})
    offset, items = (query.page - 1) * query.per_page, []
    if total > offset:
        items = session.scalars(
            page_statement(session, query, unit_ids, by_rowid(estimate, PAGE_BY_ROWID_MAX)).offset(offset)
        ).all()
    facets = {
        name: [{"value": code, "label": FACETS[name](code).label, "count": n} for code, n in per.items()]
        for name, per in counts.items()
    }
    return Page(list(items), total, query.page, query.per_page, facets)


def page_statement(session: Session, query: ResourceQuery, unit_ids: list[int] | None, rowid_plan: bool | None):
    return (
        select(Resource)
        .where(*_conditions(session, query, unit_ids, by_rowid=rowid_plan))
        .order_by(Resource.published_on.desc(), Resource.code.desc())
        .limit(query.per_page)
    )


def grouped_statement(session: Session, query: ResourceQuery, unit_ids: list[int] | None, rowid_plan: bool | None):
    """Published matches counted per combination of the six facets, facet filters left out."""
    columns = list(_COLUMN.values())
    return (
        select(*columns, func.count())
        .where(*_conditions(session, query, unit_ids, with_facet_filters=False, by_rowid=rowid_plan))
        .group_by(*columns)
    )


def _grouped_rows(session: Session, query: ResourceQuery, unit_ids: list[int] | None, rowid_plan: bool | None) -> list:
    """The grouped counts, served from the per-worker cache while the catalog generation is unchanged."""
    key = (
        str(session.get_bind().engine.url),
        query.q,
        tuple(unit_ids) if unit_ids is not None else None,
        query.category_path,
        query.shared_only,
    )
    token = session.scalar(select(CatalogGeneration.token).where(CatalogGeneration.id == 1))
    rows = _cache.get(key, token)
    if rows is None:
        rows = [tuple(row) for row in session.execute(grouped_statement(session, query, unit_ids, rowid_plan))]
        _cache.put(key, token, rows)
    return rows


def _facet_counts(rows: list, chosen: dict[str, str]) -> tuple[dict, int]:
    """Every facet's counts and the total from the grouped rows.

    A chosen facet still counts the other values it could switch to (rows failing only its own
    filter); the other facets and the total count rows passing every filter.
    """
    names = list(_COLUMN)
    wanted = {names.index(name): value for name, value in chosen.items()}
    counts = {name: {m.value: 0 for m in enum_cls} for name, enum_cls in FACETS.items()}
    total = 0
    for *values, n in rows:
        failed = [i for i, value in wanted.items() if values[i] != value]
        if not failed:
            total += n
            for i, name in enumerate(names):
                if values[i] in counts[name]:
                    counts[name][values[i]] += n
        elif len(failed) == 1 and values[failed[0]] in counts[names[failed[0]]]:
            counts[names[failed[0]]][values[failed[0]]] += n
    return counts, total


# --- interfaces --------------------------------------------------------------


def search_interfaces(session: Session, query: InterfaceQuery, shared_only: bool = False) -> Page:
    """shared_only (the public catalog): interfaces of 不予共享 entries are neither listed nor counted."""
    published = select(Resource.id).where(Resource.status == ResourceStatus.PUBLISHED)
    if shared_only:
        published = published.where(Resource.share_type != ShareType.NOT_SHARED)
    conditions = [Interface.resource_id.in_(published)]
    if query.q:
        conditions.append(
            or_(
                Interface.name.contains(query.q, autoescape=True),
                Interface.resource_id.in_(select(Resource.id).where(Resource.name.contains(query.q, autoescape=True))),
            )
        )
    if query.scenario:
        conditions.append(Interface.scenarios_text.contains(query.scenario, autoescape=True))
    if query.object_class:
        conditions.append(Interface.object_class == query.object_class)
    calls = usage_reports.interface_calls(clock.today())  # real calls of the last 30 days, from the rollups
    if query.min_calls is not None:
        conditions.append(calls >= query.min_calls)
    if query.max_calls is not None:
        conditions.append(calls <= query.max_calls)
    sorts = {"monthly_calls": calls, "name": Interface.name, "code": Interface.code}
    column = sorts[query.sort.lstrip("-")]
    order = column.desc() if query.sort.startswith("-") else column.asc()
    total = session.scalar(select(func.count()).select_from(Interface).where(*conditions))
    rows = session.execute(
        select(Interface, calls)
        .where(*conditions)
        .order_by(order, Interface.code)
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    ).all()
    for interface, count in rows:
        interface.monthly_calls = int(count)  # shown beside it; not a column any more
    by_class = dict(
        session.execute(
            select(Interface.object_class, func.count()).where(*conditions).group_by(Interface.object_class)
        ).all()
    )
    facets = {
        "object_class": [{"value": m.value, "label": m.label, "count": by_class.get(m.value, 0)} for m in ObjectClass]
    }
    return Page([interface for interface, _ in rows], total, query.page, query.per_page, facets)


def scenarios(session: Session, shared_only: bool = False) -> list[str]:
    """Every business scenario named by an interface, for the filter list (shared_only: of shared entries only)."""
    found, query = set(), select(Interface.business_scenarios)
    if shared_only:
        query = query.join(Resource, Interface.resource_id == Resource.id).where(
            Resource.status == ResourceStatus.PUBLISHED, Resource.share_type != ShareType.NOT_SHARED
        )
    for values in session.scalars(query):
        found.update(values or [])
    return sorted(found)
