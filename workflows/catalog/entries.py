"""Catalog services: unit_admins keep their own unit's entries, coordinators oversee, everyone reads."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflows import audit, clock, inputs, reasons
from workflows.catalog import proposals
from workflows.catalog.rules import Problem, clean_resource, publish_problems
from workflows.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from workflows.models import (
    EntryChange,
    EntryChangeKind,
    InfoItem,
    Person,
    Resource,
    ResourceRevision,
    ResourceStatus,
    Role,
    ShareType,
    Unit,
)

CODE_ATTEMPTS = 50  # each failed attempt means another entry of the unit was committed meanwhile
REASON_LIMIT = 500  # reasons are kept in 500-character columns (duplicate, correction, revision comment)
SNAPSHOT_FIELDS = (
    "code",
    "name",
    "category_class",
    "category_path",
    "summary",
    "format",
    "share_type",
    "share_condition",
    "share_method",
    "open_type",
    "update_cycle",
    "sensitivity",
    "published_on",
    "related_codes",
    "mandate",
    "collection_note",
    "status",
)


class InvalidEntry(ValidationFailed):
    def __init__(self, problems: list[Problem]):
        super().__init__([str(p) for p in problems], "目录条目填写不完整或有误，未保存，请按提示修改")
        self.problems = problems


@dataclass(frozen=True)
class DuplicateHint:
    code: str
    name: str
    unit: str
    why: str

    def __str__(self) -> str:
        return f"{self.unit}的“{self.name}”（{self.code}）：{self.why}"


class DuplicateSuspected(Conflict):
    code = "duplicate_suspected"

    def __init__(self, hints: list[DuplicateHint]):
        super().__init__(
            "与其他单位已有目录可能重复（一数一源）。如确需单独采集，请填写理由（如法律依据）后再保存",
            [str(h) for h in hints],
        )
        self.hints = hints


# --- permissions -------------------------------------------------------------


def can_edit(person: Person, unit_id: int) -> bool:
    return person.has_role(Role.UNIT_ADMIN, unit_id)


def _require_edit(person: Person, resource: Resource) -> None:
    if not can_edit(person, resource.provider_unit_id):
        raise Forbidden("只有本单位的目录管理员可以修改本单位的目录条目")


def can_see(person: Person, resource: Resource) -> bool:
    return (
        resource.status == ResourceStatus.PUBLISHED
        or person.has_role(Role.COORDINATOR)
        or person.unit_id == resource.provider_unit_id
        or can_edit(person, resource.provider_unit_id)
    )


def get_resource(session: Session, person: Person, key: int | str) -> Resource:
    """By id or code; drafts and retired entries only for their unit and coordinators."""
    column = Resource.id if isinstance(key, int) else Resource.code
    resource = session.scalar(select(Resource).where(column == key))
    if resource is None or not can_see(person, resource):
        raise NotFound("目录条目不存在或尚未发布")
    return resource


# --- editing -----------------------------------------------------------------


def snapshot(resource: Resource) -> dict:
    data = {name: _plain(getattr(resource, name)) for name in SNAPSHOT_FIELDS}
    data["items"] = [
        {"name": i.name, "data_type": _plain(i.data_type), "length": i.length, "sensitive": i.sensitive}
        for i in resource.items
    ]
    return data


def _plain(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.value if hasattr(value, "value") else value


def _diff(before: dict, after: dict) -> dict:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def create_resource(
    session: Session, actor: Person, unit_id: int, raw: dict, raw_items: list[dict], duplicate_reason: str = ""
) -> Resource:
    if not can_edit(actor, unit_id):
        raise Forbidden("只有本单位的目录管理员可以新建本单位的目录条目")
    check_duplicate_reason(duplicate_reason)
    clean = _clean_or_raise(raw, raw_items)
    chosen = clean.values["code"]
    if chosen:
        _check_code_free(session, chosen, None)
    _check_related(session, clean.values["related_codes"])
    _check_duplicates(session, clean, unit_id, None, duplicate_reason)
    resource = _insert_with_free_code(session, session.get(Unit, unit_id), clean, chosen, duplicate_reason.strip())
    _record(session, actor, resource, "created", {}, "")
    return resource


def _insert_with_free_code(session: Session, unit: Unit, clean, chosen: str, duplicate_reason: str) -> Resource:
    """Insert the entry inside a savepoint; a code another transaction took meanwhile moves it to the next code.

    The unique index decides, not an earlier look: two keepers of one unit saving at once both get an entry.
    A code the keeper chose and someone else took meanwhile is refused as taken.
    """
    for _ in range(CODE_ATTEMPTS):
        code = chosen or next_code(session, unit)
        resource = Resource(
            provider_unit_id=unit.id,
            status=ResourceStatus.DRAFT,
            revision=0,
            duplicate_reason=duplicate_reason,
            updated_at=clock.now(),
        )
        _apply(resource, clean)
        resource.code = code
        try:
            with session.begin_nested():
                session.add(resource)
                session.flush()
            return resource
        except IntegrityError:
            if session.scalar(select(Resource.id).where(Resource.code == code)) is None:
                raise  # some other constraint: not ours to retry
            if chosen:
                raise InvalidEntry([Problem("code", f"“{code}”已被其他条目使用")]) from None
    raise Conflict("本单位同时新建的条目过多，未能分配目录代码，请稍后重试")


def update_resource(
    session: Session,
    actor: Person,
    resource_id: int,
    raw: dict,
    raw_items: list[dict],
    duplicate_reason: str = "",
    change_reason: str = "",
) -> Resource:
    """Save an edit; of a published entry, a switch to 不予共享 and removed info items wait for the bureau
    (proposals), while the rest of the edit saves at once. change_reason: why the items are removed."""
    resource = get_resource(session, actor, resource_id)
    _require_edit(actor, resource)
    if resource.status == ResourceStatus.RETIRED:
        raise Conflict("已停用的条目不能修改")
    check_duplicate_reason(duplicate_reason)
    clean = _clean_or_raise(raw, raw_items)
    clean.values["code"] = clean.values["code"] or resource.code
    _check_code_free(session, clean.values["code"], resource.id)
    _check_related(session, clean.values["related_codes"])
    _check_duplicates(
        session, clean, resource.provider_unit_id, resource.id, duplicate_reason or resource.duplicate_reason
    )
    if resource.status == ResourceStatus.PUBLISHED:
        problems = publish_problems(clean.values, clean.items)
        if problems:
            raise InvalidEntry(problems)
    withheld = proposals.withheld_part(resource, clean)
    if withheld is not None:
        if problems := proposals.withheld_problems(session, resource, withheld, change_reason):
            raise InvalidEntry(problems)
        proposals.keep_current(resource, clean, withheld)
    before = snapshot(resource)
    _apply(resource, clean)
    if duplicate_reason:
        resource.duplicate_reason = duplicate_reason.strip()
    session.flush()
    if withheld is None or snapshot(resource) != before:
        resource.correction_reason = ""
        _record(session, actor, resource, "updated", before, "")
    if withheld is not None:
        proposals.propose(session, actor, resource, withheld.kind, withheld.basis or change_reason, withheld.removed)
    return resource


def check_duplicate_reason(reason: str) -> None:
    if len(reason.strip()) > REASON_LIMIT:
        raise InvalidEntry([Problem("duplicate_reason", inputs.too_long_message(REASON_LIMIT, len(reason.strip())))])


def _reason(label: str, reason: str, minimum: int, what: str) -> str:
    """A retire or correction reason: long enough to say something, short enough to keep."""
    text = (reason or "").strip()
    if len(text) < minimum:
        raise ValidationFailed([f"请{what}（至少{minimum}个字）"])
    if problem := inputs.too_long(label, text, REASON_LIMIT):
        raise ValidationFailed([problem])
    return text


def _clean_or_raise(raw: dict, raw_items: list[dict]):
    clean, problems = clean_resource(raw, raw_items)
    if problems:
        raise InvalidEntry(problems)
    return clean


def _apply(resource: Resource, clean) -> None:
    for name, value in clean.values.items():
        if name != "published_on" or value is not None:
            setattr(resource, name, value)
    resource.items = [InfoItem(position=i, **item) for i, item in enumerate(clean.items)]
    resource.updated_at = clock.now()


def _check_related(session: Session, codes: list[str]) -> None:
    """Every 关联资源代码 names an entry of the catalog (any case; stored as the entry spells it)."""
    if not codes:
        return
    found = {
        code.upper(): code
        for code in session.scalars(
            select(Resource.code).where(func.upper(Resource.code).in_([c.upper() for c in codes]))
        )
    }
    unknown = [c for c in codes if c.upper() not in found]
    if unknown:
        raise InvalidEntry(
            [Problem("related_codes", f"“{inputs.shown(code, 30)}”在目录中不存在，请核对资源代码") for code in unknown]
        )
    codes[:] = [found[c.upper()] for c in codes]


def _check_code_free(session: Session, code: str, own_id: int | None) -> None:
    other = session.scalar(select(Resource.id).where(Resource.code == code))
    if other is not None and other != own_id:
        raise InvalidEntry([Problem("code", f"“{code}”已被其他条目使用")])


def next_code(session: Session, unit: Unit) -> str:
    """Continue the unit's own code series (XY-GA-001 …), or start XY-<UNIT>-001."""
    codes = session.scalars(select(Resource.code).where(Resource.provider_unit_id == unit.id)).all()
    prefix, top = f"XY-{unit.code.upper()}", 0
    for code in codes:
        match = re.fullmatch(r"(.+)-(\d+)", code)
        if match:
            prefix, top = match.group(1), max(top, int(match.group(2)))
    candidate = top + 1
    while session.scalar(select(Resource.id).where(Resource.code == f"{prefix}-{candidate:03d}")):
        candidate += 1
    return f"{prefix}-{candidate:03d}"


def publish(session: Session, actor: Person, resource_id: int) -> Resource:
    resource = get_resource(session, actor, resource_id)
    _require_edit(actor, resource)
    if resource.status != ResourceStatus.DRAFT:
        raise Conflict(f"条目当前为“{ResourceStatus(resource.status).label}”，只有草稿可以发布")
    problems = publish_problems({"summary": resource.summary}, resource.items)
    if problems:
        raise InvalidEntry(problems)
    before = snapshot(resource)
    resource.status = ResourceStatus.PUBLISHED
    resource.published_on = resource.published_on or clock.today()
    resource.updated_at = clock.now()
    _record(session, actor, resource, "published", before, "")
    return resource


RETIRE_HINT = "请写明具体原因：该条目为什么停用，例如数据已并入哪个系统、哪项职能已调整、由哪个条目替代"


def retire(session: Session, actor: Person, resource_id: int, reason: str) -> Resource:
    """A draft retires at once; a published entry's retirement waits for the bureau (its grants depend on it)."""
    resource = get_resource(session, actor, resource_id)
    _require_edit(actor, resource)
    if resource.status == ResourceStatus.RETIRED:
        raise Conflict("条目已停用")
    reason = _reason("停用原因", reason, 4, "填写停用原因")
    if problem := reasons.reason_problem(reason, "停用原因", hint=RETIRE_HINT):
        raise ValidationFailed([FieldProblem("reason", problem)], "停用原因必须写明具体内容，未提交")
    if resource.status == ResourceStatus.PUBLISHED:
        if pending := proposals.open_change(session, resource.id, lock=True):
            raise Conflict(f"此条目已有一项变更待县大数据局确认（{pending.summary()}），确认或退回后才能提交停用")
        proposals.propose(session, actor, resource, EntryChangeKind.RETIRE, reason, [])
        return resource
    before = snapshot(resource)
    resource.status = ResourceStatus.RETIRED
    resource.updated_at = clock.now()
    _record(session, actor, resource, "retired", before, reason)
    return resource


def apply_confirmed(session: Session, actor: Person, change: EntryChange) -> Resource:
    """A change the bureau confirmed reaches the entry: a new revision, in the confirming coordinator's name."""
    resource = session.get(Resource, change.resource_id)
    before = snapshot(resource)
    if change.kind == EntryChangeKind.RETIRE:
        resource.status = ResourceStatus.RETIRED
    if change.kind == EntryChangeKind.NOT_SHARED:
        resource.share_type, resource.share_condition, resource.share_method = ShareType.NOT_SHARED, change.basis, None
    if change.removed_items:
        resource.items = [item for item in resource.items if item.name not in change.removed_items]
    resource.updated_at = clock.now()
    session.flush()
    comment = (
        f"经县大数据局确认生效（{change.requested_by.display_name}于{clock.fmt(change.requested_at)}提出）："
        f"{change.summary()}"
    )
    _record(
        session,
        actor,
        resource,
        "retired" if change.kind == EntryChangeKind.RETIRE else "updated",
        before,
        inputs.shown(comment, REASON_LIMIT - 1),
    )
    return resource


def return_for_correction(session: Session, actor: Person, resource_id: int, reason: str) -> Resource:
    """A coordinator sends an entry back to its unit with what to correct; it stays visible meanwhile."""
    if not actor.has_role(Role.COORDINATOR):
        raise Forbidden("只有县大数据局协调员可以退回目录条目")
    resource = get_resource(session, actor, resource_id)
    reason = _reason("更正要求", reason, 6, "写明需要更正的具体内容")
    before = snapshot(resource)
    resource.correction_reason = reason
    _record(session, actor, resource, "returned", before, reason)
    return resource


def _record(session: Session, actor: Person, resource: Resource, action: str, before: dict, comment: str) -> None:
    after = snapshot(resource)
    resource.revision += 1
    changes = _diff(before, after) if before else {"created": [None, resource.code]}
    session.add(
        ResourceRevision(
            resource_id=resource.id,
            revision=resource.revision,
            action=action,
            actor_id=actor.id,
            at=clock.now(),
            changes=changes,
            comment=comment,
        )
    )
    audit.record(
        session,
        actor.id,
        "resource",
        resource.id,
        f"resource:{action}",
        {k: v[0] for k, v in changes.items()} if before else None,
        {k: v[1] for k, v in changes.items()} | ({"comment": comment} if comment else {}),
        # its 目录管理员 acts for the entry's unit; a coordinator returning it, for the bureau
        unit_id=resource.provider_unit_id if can_edit(actor, resource.provider_unit_id) else None,
    )


def history(session: Session, person: Person, resource_id: int) -> list[ResourceRevision]:
    get_resource(session, person, resource_id)
    return list(
        session.scalars(
            select(ResourceRevision)
            .where(ResourceRevision.resource_id == resource_id)
            .order_by(ResourceRevision.revision.desc())
        )
    )


# --- 一数一源 ------------------------------------------------------------------


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"\s+", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def find_duplicates(
    session: Session, name: str, item_names: list[str], unit_id: int, own_id: int | None = None
) -> list[DuplicateHint]:
    """Entries of other units with a similar name or a large overlap of info item names."""
    hints: dict[str, DuplicateHint] = {}
    grams = _bigrams(name)
    if grams:
        like = [Resource.name.contains(g, autoescape=True) for g in sorted(grams)[:12]]
        candidates = session.scalars(
            select(Resource)
            .where(or_(*like), Resource.provider_unit_id != unit_id, Resource.status != ResourceStatus.RETIRED)
            .limit(200)
        )
        for other in candidates:
            theirs = _bigrams(other.name)
            score = len(grams & theirs) / max(len(grams | theirs), 1)
            if score >= 0.5 and other.id != own_id:
                hints[other.code] = DuplicateHint(
                    other.code, other.name, other.provider_unit.name, f"名称相近（相似度 {score:.0%}）"
                )
    names = {n for n in item_names if n}
    if len(names) >= 2:
        rows = session.execute(
            select(InfoItem.resource_id, func.count())
            .join(Resource)
            .where(
                InfoItem.name.in_(names),
                Resource.provider_unit_id != unit_id,
                Resource.status != ResourceStatus.RETIRED,
            )
            .group_by(InfoItem.resource_id)
            .having(func.count() >= 2)
        ).all()
        for resource_id, shared in rows:
            other = session.get(Resource, resource_id)
            if other.id != own_id and shared / len(names) >= 0.5 and other.code not in hints:
                hints[other.code] = DuplicateHint(
                    other.code, other.name, other.provider_unit.name, f"{shared} 个信息项同名"
                )
    return list(hints.values())


def _check_duplicates(session: Session, clean, unit_id: int, own_id: int | None, reason: str) -> None:
    hints = find_duplicates(session, clean.values["name"], [i["name"] for i in clean.items], unit_id, own_id)
    if hints and len((reason or "").strip()) < 4:
        raise DuplicateSuspected(hints)


def unit_entries(session: Session, person: Person, unit_ids: list[int]) -> list[Resource]:
    """All entries of the given units in every status, for their own people and coordinators."""
    allowed = [u for u in unit_ids if person.unit_id == u or can_edit(person, u) or person.has_role(Role.COORDINATOR)]
    return list(
        session.scalars(
            select(Resource).where(Resource.provider_unit_id.in_(allowed)).order_by(Resource.status, Resource.code)
        )
    )
