"""Units: the sysadmin creates, edits and deactivates them; exactly one is the coordinating bureau."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workflows import audit, case_names, inputs
from workflows.errors import Conflict, NotFound, ValidationFailed
from workflows.models import (
    Application,
    ApplicationStatus,
    Grant,
    GrantStatus,
    HumanTask,
    InstanceStatus,
    Person,
    ProcessInstance,
    Resource,
    TaskStatus,
    Unit,
    UnitKind,
)
from workflows.organisation.scope import AdminScope

CODE_PATTERN = re.compile(r"[A-Za-z0-9_-]{2,32}")
# GB 32100: 18 characters of digits and capitals without I, O, S, V, Z
CREDIT_CODE_PATTERN = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
OPEN_APPLICATION = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.RETURNED,
    ApplicationStatus.COORDINATING,
)
SHOWN_BLOCKERS = 10


class UnitInput(BaseModel):
    """A unit as typed on its form or given to the command line, kept as typed so a refused form shows it again."""

    code: str = ""
    name: str = ""
    short_name: str = ""
    kind: str = UnitKind.DEPARTMENT.value
    credit_code: str = ""

    @classmethod
    def of(cls, unit: Unit) -> UnitInput:
        return cls(
            code=unit.code,
            name=unit.name,
            short_name=unit.short_name,
            kind=str(unit.kind),
            credit_code=unit.credit_code or "",
        )


class CheckedUnit(UnitInput):
    """What a unit must be, field by field, each field by the name its form shows."""

    model_config = ConfigDict(str_strip_whitespace=True)

    code: str = Field("", title="单位代码", max_length=32)
    name: str = Field("", title="单位名称", max_length=100)
    short_name: str = Field("", title="简称", max_length=50)
    kind: str = Field(UnitKind.DEPARTMENT.value, title="单位类型")
    credit_code: str = Field("", title="统一社会信用代码", max_length=18)

    @field_validator("code", "name", "short_name", "credit_code")
    @classmethod
    def _one_line(cls, text: str, info) -> str:
        return inputs.one_line(cls, text, info.field_name)

    @field_validator("code")
    @classmethod
    def _a_code(cls, code: str) -> str:
        if not code:
            raise inputs.refused("单位代码：必填，如 mzj（字母、数字、下划线或连字符，2–32 位）")
        if not CODE_PATTERN.fullmatch(code):
            raise inputs.refused(f"单位代码：“{inputs.shown(code)}”无效，只能用字母、数字、下划线或连字符，2–32 位")
        return code

    @field_validator("name")
    @classmethod
    def _named(cls, name: str) -> str:
        if not name:
            raise inputs.refused("单位名称：必填，如 县民政局")
        return name

    @field_validator("kind")
    @classmethod
    def _a_kind(cls, kind: str) -> str:
        if (found := UnitKind.parse(kind)) is None:
            raise inputs.refused("单位类型：请从列表中选择")
        return found.value

    @field_validator("credit_code")
    @classmethod
    def _gb_32100(cls, code: str) -> str:
        if code and not CREDIT_CODE_PATTERN.fullmatch(code.upper()):
            raise inputs.refused("统一社会信用代码：应为 18 位数字或大写字母（不含 I、O、S、V、Z），不清楚可留空")
        return code.upper()

    @model_validator(mode="after")
    def _short_name(self) -> CheckedUnit:
        self.short_name = self.short_name or self.name[:50]
        return self


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("单位不存在")
    return unit


def unit_by_code(session: Session, code: str) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.code == (code or "").strip()))


def coordinating_bureau(session: Session) -> Unit | None:
    return session.scalar(select(Unit).where(Unit.kind == UnitKind.COORDINATOR).order_by(Unit.id).limit(1))


def visible_units(session: Session, scope: AdminScope, include_inactive: bool = True) -> list[Unit]:
    """The units a page lists for this administrator: all for the sysadmin, their own for a unit_admin."""
    scope.require_admin()
    query = select(Unit).order_by(Unit.active.desc(), Unit.kind != UnitKind.COORDINATOR, Unit.id)
    if not scope.everything:
        query = query.where(Unit.id.in_(scope.unit_ids))
    if not include_inactive:
        query = query.where(Unit.active.is_(True))
    return list(session.scalars(query))


def _clean(session: Session, data: UnitInput, unit: Unit | None) -> UnitInput:
    try:
        clean = CheckedUnit.model_validate({k: v or "" for k, v in data.model_dump().items()})
    except ValidationError as error:
        raise ValidationFailed(inputs.field_problems(error, CheckedUnit)) from None
    _check_unique(session, clean, unit)
    return clean


def _check_unique(session: Session, clean: UnitInput, unit: Unit | None) -> None:
    problems = []
    for column, label in ((Unit.code, "单位代码"), (Unit.name, "单位名称"), (Unit.credit_code, "统一社会信用代码")):
        value = getattr(clean, column.key)
        other = session.scalar(select(Unit).where(func.lower(column) == value.lower())) if value else None
        if other is not None and other is not unit:
            problems.append(f"{label}：“{inputs.shown(value)}”已被{other.name}使用，请换一个")
    bureau = coordinating_bureau(session)
    if clean.kind == UnitKind.COORDINATOR and bureau is not None and bureau is not unit:
        problems.append(f"单位类型：全县只有一个协调单位，现为{bureau.name}")
    if unit is not None and unit.kind == UnitKind.COORDINATOR and clean.kind != UnitKind.COORDINATOR:
        problems.append("单位类型：协调单位（县大数据局）不能改为其他类型，全县必须有一个协调单位")
    if problems:
        raise ValidationFailed(problems)


def create_unit(session: Session, scope: AdminScope, data: UnitInput) -> Unit:
    scope.require_sysadmin("新建单位")
    clean = _clean(session, data, None)
    unit = Unit(
        code=clean.code,
        name=clean.name,
        short_name=clean.short_name,
        kind=clean.kind,
        credit_code=clean.credit_code or None,
        active=True,
    )
    session.add(unit)
    session.flush()
    audit.record(session, scope.actor_id, "unit", unit.id, "unit:created", None, vars(clean))
    return unit


def update_unit(session: Session, scope: AdminScope, unit_id: int, data: UnitInput) -> Unit:
    scope.require_sysadmin("修改单位信息")
    unit = get_unit(session, unit_id)
    clean = _clean(session, data, unit)
    before = UnitInput.of(unit).model_dump()
    changed = {k: v for k, v in clean.model_dump().items() if before[k] != v}
    if changed:
        for name, value in changed.items():
            setattr(unit, name, None if name == "credit_code" and not value else value)
        audit.record(session, scope.actor_id, "unit", unit.id, "unit:updated", {k: before[k] for k in changed}, changed)
    return unit


@dataclass
class Blockers:
    """What keeps a unit from being deactivated, each line saying what to finish first."""

    lines: list[str] = field(default_factory=list)

    def add(self, title: str, items: list[str]) -> None:
        if items:
            more = f"……另有 {len(items) - SHOWN_BLOCKERS} 项" if len(items) > SHOWN_BLOCKERS else ""
            self.lines.append(f"{title}（{len(items)}）：" + "；".join(items[:SHOWN_BLOCKERS]) + more)


def blockers(session: Session, unit_id: int) -> list[str]:
    """Open cases, tasks, applications, active grants and active people of the unit."""
    found = Blockers()
    found.add(
        "在用人员，请先调往其他单位或停用",
        [
            f"{p.display_name}（{p.username}）"
            for p in session.scalars(
                select(Person).where(Person.unit_id == unit_id, Person.active.is_(True)).order_by(Person.id)
            )
        ],
    )
    open_tasks = list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.unit_id == unit_id, HumanTask.status == TaskStatus.OPEN)
            .order_by(HumanTask.id)
        )
    )
    running = list(
        session.scalars(
            select(ProcessInstance)
            .where(ProcessInstance.unit_id == unit_id, ProcessInstance.status == InstanceStatus.RUNNING)
            .order_by(ProcessInstance.id)
        )
    )
    names = case_names.for_instances(session, [t.instance for t in open_tasks] + running)
    found.add("待办任务，请先办结或转交", [f"{t.name}（{names[t.instance_id]}）" for t in open_tasks])
    found.add("进行中的案件", [f"{names[i.id]}（{i.process_version.name}）" for i in running])
    found.add(
        "未办结的数据申请",
        [
            f"{case_names.of_application(a)}（{ApplicationStatus.label_of(a.status)}）"
            for a in session.scalars(
                select(Application)
                .where(
                    Application.status.in_(OPEN_APPLICATION),
                    or_(Application.applicant_unit_id == unit_id, Application.provider_unit_id == unit_id),
                )
                .order_by(Application.id)
            )
        ],
    )
    found.add(
        "有效的授权，请先到期或撤销",
        [
            f"{g.application.number} {g.unit.short_name}使用「{g.resource.name}」"
            for g in session.scalars(
                select(Grant)
                .join(Resource, Grant.resource_id == Resource.id)
                .where(
                    Grant.status == GrantStatus.ACTIVE,
                    or_(Grant.unit_id == unit_id, Resource.provider_unit_id == unit_id),
                )
                .order_by(Grant.id)
            )
        ],
    )
    return found.lines


def deactivate_unit(session: Session, scope: AdminScope, unit_id: int) -> Unit:
    scope.require_sysadmin("停用单位")
    unit = get_unit(session, unit_id)
    if not unit.active:
        return unit
    if unit.kind == UnitKind.COORDINATOR:
        raise Conflict("协调单位（县大数据局）不能停用：全县必须有一个协调单位")
    if found := blockers(session, unit_id):
        raise Conflict(f"{unit.name}还有未办结的事项，暂不能停用", found)
    unit.active = False
    audit.record(session, scope.actor_id, "unit", unit.id, "unit:deactivated", {"active": True}, {"active": False})
    return unit


def reactivate_unit(session: Session, scope: AdminScope, unit_id: int) -> Unit:
    scope.require_sysadmin("恢复单位")
    unit = get_unit(session, unit_id)
    if not unit.active:
        unit.active = True
        audit.record(session, scope.actor_id, "unit", unit.id, "unit:reactivated", {"active": False}, {"active": True})
    return unit
