"""Catalog and interface search (附件): Chinese substrings through the database's own text index."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, func, literal_column, or_, select, text
from sqlalchemy.orm import Session

from workflows.errors import ValidationFailed
from workflows.models import (
    CategoryClass, Interface, ObjectClass, OpenType, Resource, ResourceFormat, ResourceStatus, Sensitivity,
    ShareType, Unit, UpdateCycle,
)

FACETS = {
    "share_type": ShareType, "open_type": OpenType, "format": ResourceFormat,
    "category": CategoryClass, "sensitivity": Sensitivity, "update_cycle": UpdateCycle,
}
_COLUMN = {"share_type": Resource.share_type, "open_type": Resource.open_type, "format": Resource.format,
           "category": Resource.category_class, "sensitivity": Resource.sensitivity,
           "update_cycle": Resource.update_cycle}
MAX_PER_PAGE = 100
INTERFACE_SORTS = {"monthly_calls": Interface.monthly_calls, "name": Interface.name, "code": Interface.code}


@dataclass
class ResourceQuery:
    q: str = ""
    unit: str = ""
    filters: dict = field(default_factory=dict)  # facet name -> enum member
    category_path: str = ""
    page: int = 1
    per_page: int = 20


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


def _int(value, name: str, label: str, low: int, high: int | None, default: int, problems: list[str]) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        return default
    if not text.lstrip("-").isdigit() or int(text) < low or (high is not None and int(text) > high):
        bound = f"{low}–{high}" if high is not None else f"不小于 {low}"
        problems.append(f"参数 {name}（{label}）应为 {bound} 的整数")
        return default
    return int(text)


def parse_resource_query(args: dict) -> ResourceQuery:
    """Query parameters as codes (share_type=conditional …); any bad value is a 422 in Chinese."""
    problems: list[str] = []
    query = ResourceQuery(q=str(args.get("q") or "").strip()[:50], unit=str(args.get("unit") or "").strip()[:50])
    for name, enum_cls in FACETS.items():
        value = str(args.get(name) or "").strip()
        if not value:
            continue
        member = enum_cls.parse(value)
        if member is None and name == "category":
            query.category_path = value
        elif member is None:
            codes = "、".join(f"{m.value}（{m.label}）" for m in enum_cls)
            problems.append(f"参数 {name} 的值“{value}”无效，可选：{codes}")
        else:
            query.filters[name] = member
    query.page = _int(args.get("page"), "page", "页码", 1, None, 1, problems)
    query.per_page = _int(args.get("per_page"), "per_page", "每页条数", 1, MAX_PER_PAGE, 20, problems)
    if problems:
        raise ValidationFailed(problems, "查询参数有误，请按提示修改")
    return query


def _text_condition(session: Session, q: str):
    """Substring match on name and summary: FTS5 trigram / pg_trgm for 3+ characters, LIKE below."""
    if session.get_bind().dialect.name == "postgresql":
        return (Resource.name + literal_column("' '") + Resource.summary).contains(q, autoescape=True)
    if len(q) >= 3:
        phrase = '"' + q.replace('"', '""') + '"'
        return Resource.id.in_(text("SELECT rowid FROM resource_fts WHERE resource_fts MATCH :phrase")
                               .bindparams(phrase=phrase))
    return or_(Resource.name.contains(q, autoescape=True), Resource.summary.contains(q, autoescape=True))


def _fts_drives(session: Session, query: ResourceQuery) -> bool:
    return session.get_bind().dialect.name == "sqlite" and len(query.q) >= 3


def _resource_conditions(session: Session, query: ResourceQuery, with_facet_filters: bool = True) -> list:
    """The query's conditions; facet filters can be left out to count every facet in one scan."""
    published = ResourceStatus.PUBLISHED.value
    # With FTS hits in hand SQLite should fetch them by rowid: the unary + keeps it off the status index.
    status = (literal_column("+resource.status", String) == published if _fts_drives(session, query)
              else Resource.status == published)
    conditions = [status]
    if query.q:
        conditions.append(_text_condition(session, query.q))
    if query.unit:
        conditions.append(Resource.provider_unit_id.in_(
            select(Unit.id).where(or_(Unit.name.contains(query.unit, autoescape=True),
                                      Unit.short_name.contains(query.unit, autoescape=True)))))
    if with_facet_filters:
        conditions += [_COLUMN[name] == member for name, member in query.filters.items()]
    if query.category_path:
        conditions.append(Resource.category_path.startswith(query.category_path, autoescape=True))
    return conditions


def search_resources(session: Session, query: ResourceQuery) -> Page:
    counts, total = _facet_counts(session, query)
    offset, rows = (query.page - 1) * query.per_page, []
    if total > offset:
        rows = session.scalars(select(Resource).where(*_resource_conditions(session, query))
                               .order_by(Resource.published_on.desc(), Resource.code.desc())
                               .limit(query.per_page).offset(offset)).all()
    facets = {name: [{"value": code, "label": FACETS[name](code).label, "count": n} for code, n in per.items()]
              for name, per in counts.items()}
    return Page(list(rows), total, query.page, query.per_page, facets)


def _facet_counts(session: Session, query: ResourceQuery) -> tuple[dict, int]:
    """Every facet's counts and the total from ONE grouped scan that leaves the facet filters out.

    A chosen facet still counts the other values it could switch to (rows failing only its own
    filter); the other facets and the total count rows passing every filter.
    """
    columns, names = list(_COLUMN.values()), list(_COLUMN)
    rows = session.execute(select(*columns, func.count())
                           .where(*_resource_conditions(session, query, with_facet_filters=False))
                           .group_by(*columns)).all()
    wanted = {names.index(name): member.value for name, member in query.filters.items()}
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

@dataclass
class InterfaceQuery:
    q: str = ""
    scenario: str = ""
    object_class: ObjectClass | None = None
    min_calls: int | None = None
    max_calls: int | None = None
    sort: str = "-monthly_calls"
    page: int = 1
    per_page: int = 20


def parse_interface_query(args: dict) -> InterfaceQuery:
    problems: list[str] = []
    query = InterfaceQuery(q=str(args.get("q") or "").strip()[:50],
                           scenario=str(args.get("scenario") or "").strip()[:50])
    object_class = str(args.get("object_class") or "").strip()
    if object_class:
        query.object_class = ObjectClass.parse(object_class)
        if query.object_class is None:
            problems.append(f"参数 object_class 的值“{object_class}”无效，可选：person（自然人）、"
                            "legal_entity（法人）、other（其他）")
    if str(args.get("min_calls") or "").strip():
        query.min_calls = _int(args.get("min_calls"), "min_calls", "月调用次数下限", 0, None, 0, problems)
    if str(args.get("max_calls") or "").strip():
        query.max_calls = _int(args.get("max_calls"), "max_calls", "月调用次数上限", 0, None, 0, problems)
    sort = str(args.get("sort") or "-monthly_calls").strip()
    if sort.lstrip("-") not in INTERFACE_SORTS:
        problems.append("参数 sort 应为 monthly_calls、-monthly_calls、name、-name、code 或 -code")
    else:
        query.sort = sort
    query.page = _int(args.get("page"), "page", "页码", 1, None, 1, problems)
    query.per_page = _int(args.get("per_page"), "per_page", "每页条数", 1, MAX_PER_PAGE, 20, problems)
    if problems:
        raise ValidationFailed(problems, "查询参数有误，请按提示修改")
    return query


def search_interfaces(session: Session, query: InterfaceQuery) -> Page:
    conditions = [Interface.resource_id.in_(select(Resource.id).where(Resource.status == ResourceStatus.PUBLISHED))]
    if query.q:
        conditions.append(or_(Interface.name.contains(query.q, autoescape=True),
                              Interface.resource_id.in_(select(Resource.id).where(
                                  Resource.name.contains(query.q, autoescape=True)))))
    if query.scenario:
        conditions.append(Interface.scenarios_text.contains(query.scenario, autoescape=True))
    if query.object_class:
        conditions.append(Interface.object_class == query.object_class)
    if query.min_calls is not None:
        conditions.append(Interface.monthly_calls >= query.min_calls)
    if query.max_calls is not None:
        conditions.append(Interface.monthly_calls <= query.max_calls)
    column = INTERFACE_SORTS[query.sort.lstrip("-")]
    order = column.desc() if query.sort.startswith("-") else column.asc()
    total = session.scalar(select(func.count()).select_from(Interface).where(*conditions))
    rows = session.scalars(select(Interface).where(*conditions).order_by(order, Interface.code)
                           .limit(query.per_page).offset((query.page - 1) * query.per_page)).all()
    by_class = dict(session.execute(select(Interface.object_class, func.count()).where(*conditions)
                                    .group_by(Interface.object_class)).all())
    facets = {"object_class": [{"value": m.value, "label": m.label, "count": by_class.get(m.value, 0)}
                               for m in ObjectClass]}
    return Page(list(rows), total, query.page, query.per_page, facets)


def scenarios(session: Session) -> list[str]:
    """Every business scenario named by an interface, for the filter list."""
    found = set()
    for values in session.scalars(select(Interface.business_scenarios)):
        found.update(values or [])
    return sorted(found)
