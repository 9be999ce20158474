"""供需对接清单: what units need; demands outside the catalog are coordinated by the county data bureau."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import audit, clock, engine, inputs
from workflows.catalog import search as catalog_search
from workflows.errors import FieldProblem, Forbidden, NotFound, ValidationFailed
from workflows.models import Demand, DemandStatus, HumanTask, Person, Resource, ResourceStatus, Role, ShareType, Unit

PROCESS = "demand_coordination"
TEXT_LIMITS = {"wanted_data": ("所需数据", 200), "scenario": ("应用场景", 500), "resource_code": ("目录条目", 64)}


CONTRACT = engine.ProcessContract(
    PROCESS,
    tasks={
        "dc_assign": engine.TaskContract("分派共享需求", "coordinator", None, ("decision", "provider_unit_id", "note")),
        "dc_answer": engine.TaskContract(
            "答复共享需求", "unit_admin", "provider_unit_id", ("answer", "resource_code", "reason")
        ),
        "dc_close": engine.TaskContract("确认办结", "coordinator", None, ("outcome", "resource_code", "note")),
    },
)


def can_record(person: Person, unit_id: int) -> bool:
    return person.has_role(Role.APPLICANT, unit_id) or person.has_role(Role.UNIT_ADMIN, unit_id)


def suggestions(session: Session, wanted_data: str, limit: int = 5) -> list[Resource]:
    """Published entries that may already cover a demand, so the unit can apply instead."""
    text = (wanted_data or "").strip()
    if problems := inputs.length_problems({"wanted_data": text}, TEXT_LIMITS):
        raise ValidationFailed(problems)
    for keyword in (text, text[:4], text[:2]):
        if len(keyword) >= 2:
            query = catalog_search.ResourceQuery(q=keyword, per_page=limit)
            found = catalog_search.search_resources(session, query).items
            if found:
                return found
    return []


def prefill(session: Session, resource_code: str) -> dict:
    """The demand form opened from a catalog entry: the entry named and kept (matched, or coordinated if 不予共享)."""
    resource = session.scalar(
        select(Resource).where(
            Resource.code == inputs.catalog_code(resource_code)[:64], Resource.status == ResourceStatus.PUBLISHED
        )
    )
    if resource is None:
        return {}
    return {"wanted_data": f"{resource.name}（{resource.code}）"[:200], "resource_code": resource.code}


def record_demand(
    session: Session, actor: Person | None, unit_id: int, wanted_data: str, scenario: str, resource_code: str = ""
) -> Demand:
    """A demand matched to a shareable published entry is listed at once; any other starts the coordination
    process. A demand for a 不予共享 entry keeps the entry and its unit as the preset provider: the bureau still
    decides (分派、报市级或办结), seeing on the demand which unit holds the data."""
    if actor is not None and not can_record(actor, unit_id):
        raise Forbidden("只有本单位的申请人或目录管理员可以登记共享需求")
    problems = inputs.length_problems(
        {
            "wanted_data": (wanted_data or "").strip(),
            "scenario": (scenario or "").strip(),
            "resource_code": resource_code.strip(),
        },
        TEXT_LIMITS,
    )
    if problems:
        raise ValidationFailed(problems)
    if len((wanted_data or "").strip()) < 2:
        problems.append("所需数据：请写明需要的数据（至少2个字）")
    if len((scenario or "").strip()) < 4:
        problems.append("应用场景：请写明用于什么业务（至少4个字）")
    resource = matched = None
    if resource_code.strip():
        resource = session.scalar(
            select(Resource).where(
                Resource.code == inputs.catalog_code(resource_code), Resource.status == ResourceStatus.PUBLISHED
            )
        )
        if resource is None:
            problems.append(f"目录条目：“{resource_code}”不存在或未发布")
        elif resource.share_type != ShareType.NOT_SHARED:
            matched = resource  # 不予共享: the bureau coordinates, nothing can be applied for directly
    if problems:
        raise ValidationFailed(problems)
    demand = Demand(
        requesting_unit_id=unit_id,
        wanted_data=wanted_data.strip(),
        scenario=scenario.strip(),
        resource_id=resource.id if resource else None,
        provider_unit_id=resource.provider_unit_id if resource else None,
        status=DemandStatus.MATCHED if matched else DemandStatus.COORDINATING,
        created_by_id=actor.id if actor else None,
        created_at=clock.now(),
    )
    session.add(demand)
    session.flush()
    if matched is None:
        instance = engine.start(
            session,
            PROCESS,
            demand.created_by_id,
            unit_id,
            {
                "demand_id": demand.id,
                "requesting_unit_id": unit_id,
                "wanted_data": demand.wanted_data,
                "scenario": demand.scenario,
            },
            subject=("demand", demand.id),
        )
        demand.instance_id = instance.id
    audit.record(
        session,
        demand.created_by_id,
        "demand",
        demand.id,
        "demand:recorded",
        None,
        {
            "status": demand.status.value if hasattr(demand.status, "value") else demand.status,
            "resource": resource.code if resource else None,
        },
    )
    return demand


def _demand_of(session: Session, task: HumanTask) -> Demand:
    return session.get(Demand, int(task.instance.subject_id))


def _set_status(session: Session, actor: Person, demand: Demand, status: DemandStatus, **changes) -> None:
    before = {"status": str(demand.status)}
    demand.status = status
    for name, value in changes.items():
        setattr(demand, name, value)
    if status in (DemandStatus.RESOLVED, DemandStatus.UNRESOLVED, DemandStatus.REFERRED):
        demand.closed_at = clock.now()
    audit.record(
        session,
        actor.id,
        "demand",
        demand.id,
        f"demand:{status.value}",
        before,
        {"status": status.value} | {k: (v if not hasattr(v, "id") else v.id) for k, v in changes.items()},
    )


def assign_initial(session: Session, task: HumanTask) -> dict:
    """分派共享需求 starts on the provider the demand names (the unit of the 不予共享 entry it was raised from)."""
    demand = _demand_of(session, task)
    return {"provider_unit_id": str(demand.provider_unit_id)} if demand.provider_unit_id else {}


def assigned(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    demand = _demand_of(session, task)
    if data["decision"] == "assign":
        if session.get(Unit, data["provider_unit_id"]) is None:
            raise ValidationFailed(["提供单位：不存在"])
        before = demand.provider_unit_id
        demand.provider_unit_id = data["provider_unit_id"]
        audit.record(
            session,
            actor.id,
            "demand",
            demand.id,
            "demand:assigned",
            {"provider_unit_id": before},
            {"provider_unit_id": demand.provider_unit_id},
        )
    elif data["decision"] == "refer":
        _set_status(session, actor, demand, DemandStatus.REFERRED, answer=data["note"])
    else:
        _set_status(session, actor, demand, DemandStatus.UNRESOLVED, answer=data["note"])
    return data


def _own_entry(session: Session, unit_id: int | None, code: str) -> Resource | None:
    """The answering unit's entry with this code (any case), draft or published."""
    return session.scalar(
        select(Resource).where(
            func.upper(Resource.code) == code.upper(),
            Resource.provider_unit_id == unit_id,
            Resource.status != ResourceStatus.RETIRED,
        )
    )


def answered(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    demand = _demand_of(session, task)
    code = inputs.catalog_code(data.get("resource_code"))
    if code:
        entry = _own_entry(session, task.unit_id, code)
        if entry is None:
            unit_name = task.unit.name if task.unit else "本单位"
            raise ValidationFailed(
                [
                    FieldProblem(
                        "resource_code",
                        (
                            f"目录条目代码：“{inputs.shown(code, 30)}”不是{unit_name}的目录条目（已发布或草稿），请核对代码；"
                            "尚未编目可留空"
                        ),
                    )
                ],
                "答复未提交，请按提示修改",
            )
        data = data | {"resource_code": entry.code}
    text = "将编目发布" if data["answer"] == "will_publish" else "无法提供"
    detail = data.get("reason") or (f"目录条目 {data['resource_code']}" if data.get("resource_code") else "")
    demand.answer = f"{text}：{detail}" if detail else text
    audit.record(session, actor.id, "demand", demand.id, "demand:answered", None, {"answer": demand.answer})
    return data


def closed(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    demand = _demand_of(session, task)
    if data["outcome"] == "resolved":
        resource = session.scalar(
            select(Resource).where(
                Resource.code == inputs.catalog_code(data["resource_code"]), Resource.status == ResourceStatus.PUBLISHED
            )
        )
        if resource is None:
            shown = inputs.shown(data["resource_code"], 30)
            raise ValidationFailed(
                [FieldProblem("resource_code", f"新目录条目代码：“{shown}”不存在或尚未发布，请提供单位先发布")]
            )
        _set_status(
            session,
            actor,
            demand,
            DemandStatus.RESOLVED,
            resource_id=resource.id,
            provider_unit_id=resource.provider_unit_id,
        )
    else:
        status = DemandStatus.UNRESOLVED if data["outcome"] == "unresolved" else DemandStatus.REFERRED
        _set_status(session, actor, demand, status, answer=data["note"])
    return data


def list_demands(session: Session, actor: Person) -> list[Demand]:
    """Coordinators see every unit's list; others their own units' and demands assigned to them."""
    query = select(Demand).order_by(Demand.id.desc())
    if not actor.has_role(Role.COORDINATOR):
        units = {m.unit_id for m in actor.memberships} | {actor.unit_id}
        query = query.where(Demand.requesting_unit_id.in_(units) | Demand.provider_unit_id.in_(units))
    return list(session.scalars(query))


def get_demand(session: Session, actor: Person, demand_id: int) -> Demand:
    demand = session.get(Demand, demand_id)
    units = {m.unit_id for m in actor.memberships} | {actor.unit_id}
    if demand is None or not (
        actor.has_role(Role.COORDINATOR) or demand.requesting_unit_id in units or demand.provider_unit_id in units
    ):
        raise NotFound("需求不存在")
    return demand
