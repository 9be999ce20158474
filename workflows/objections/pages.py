"""What the objection pages show, loaded up front: the case with its timeline and diagram, the coordinators' board."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import case_names, clock, engine, inputs
from workflows.engine import forms, tasks
from workflows.errors import Forbidden, ValidationFailed
from workflows.models import (
    ApplicationStatus,
    HumanTask,
    ObjectionRecord,
    Person,
    ProcessInstance,
    Role,
    TaskStatus,
    Unit,
)
from workflows.models.objections import (
    Correction,
    FilePurpose,
    Objection,
    ObjectionOutcome,
    ObjectionStatus,
    ObjectionType,
)
from workflows.objections import cases, records
from workflows.objections.process import COORDINATE, CORRECT, DECIDE, GOVERNMENT, TRANSFER
from workflows.sharing import records as sharing_records


@dataclass
class ObjectionPage:
    objection: Objection
    instance: ProcessInstance | None = None
    steps: list[HumanTask] = field(default_factory=list)
    viewable: set[int] = field(default_factory=set)
    actionable: list[HumanTask] = field(default_factory=list)
    deadlines: list[tuple[HumanTask, dict]] = field(default_factory=list)  # each open step with a period
    correction: Correction | None = None
    record: ObjectionRecord | None = None
    responding_units: list[Unit] = field(default_factory=list)
    done_ids: list[str] = field(default_factory=list)
    active_ids: list[str] = field(default_factory=list)
    active_names: list[str] = field(default_factory=list)
    application_now: str = ""  # where the disputed application stands since: the reopened review's outcome


def objection_page(session: Session, person: Person, objection_id: int) -> ObjectionPage:
    objection = cases.get_objection(session, person, objection_id)
    page = ObjectionPage(objection=objection)
    if objection.instance_id:
        page.instance = session.get(ProcessInstance, objection.instance_id)
        page.done_ids, page.active_ids, page.active_names = engine.progress(session, page.instance)
    page.steps = tasks.case_tasks(session, "objection", objection.id)
    page.viewable = tasks.viewable(session, person, page.steps)
    open_steps = [t for t in page.steps if t.status == TaskStatus.OPEN]
    page.actionable = [t for t in open_steps if engine.can_act(session, person, t)]
    page.deadlines = [(t, tasks.deadline(session, t)) for t in open_steps if t.due_at is not None]
    page.record = records.for_objection(session, objection.id)
    page.correction = session.scalar(select(Correction).where(Correction.objection_id == objection.id))
    ids = objection.responding_unit_ids or []
    page.responding_units = list(session.scalars(select(Unit).where(Unit.id.in_(ids)))) if ids else []
    page.application_now = _application_now(session, objection)
    return page


def _application_now(session: Session, objection: Objection) -> str:
    """An upheld application dispute reopened the review; its page says what came of it, not only what was ordered."""
    app = objection.application
    if app is None or objection.outcome != ObjectionOutcome.UPHELD or objection.closed_at is None:
        return ""
    said = f"申请 {app.number} 现为“{ApplicationStatus(app.status).label}”"
    record = sharing_records.for_application(session, app.id)
    if app.status in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED) and record is not None:
        said += f"（{record.content.get('decided_at', '')}）" + (
            f"：{note}" if (note := record.content.get("closing_note")) else ""
        )
    return said


@dataclass
class EarlierStep:
    task: HumanTask
    who: str
    result: list[tuple[str, str]]


@dataclass
class ObjectionCase:
    """What every objection task page shows beside its form: the case as the person acting needs to read it."""

    objection: Objection
    name: str
    files: list = field(default_factory=list)
    transfer_note: str = ""
    responding_units: list[Unit] = field(default_factory=list)
    steps: list[EarlierStep] = field(default_factory=list)  # what was done before, in order
    correction: Correction | None = None
    kind: str = "objection"
    opinions: list = field(default_factory=list)  # no 常用意见 on objection forms
    review_days: int | None = None
    can_upload: bool = False  # the raiser adds evidence files until the objection is accepted (补充材料)
    can_correct: bool = False  # the person acting on the open correction task, who may edit the entry
    hidden_fields: list[str] = field(default_factory=list)  # decision fields that do not apply to this type
    government_files: list = field(default_factory=list)  # the county government's decision document(s)


# 研究处理意见, 协调 and the county government's decision ask what to do with a grant only where the objection
# concerns one (an upheld application dispute always goes back to the provider's review: nothing to choose)
HIDDEN_BY_KIND = {ObjectionType.USAGE_DISPUTE: []}
GRANT_FIELDS = ["grant_action", "incident"]


def objection_case(session: Session, person: Person, task: HumanTask) -> ObjectionCase | None:
    """Loaded for an objection task page (workflows/bootstrap.py CASE_PAGES)."""
    if task.instance.subject_type != "objection" or not (task.instance.subject_id or "").isdigit():
        return None
    objection = session.get(Objection, int(task.instance.subject_id))
    if objection is None:
        return None
    case = ObjectionCase(
        objection=objection,
        name=case_names.of_instance(session, task.instance),
        files=list(objection.files),
        can_upload=objection.raiser_id == person.id and objection.status in cases.EVIDENCE_OPEN,
    )
    for step in tasks.case_tasks(session, "objection", objection.id):
        if step.status != TaskStatus.COMPLETED or step.id == task.id:
            continue
        who = f"{step.completed_by.display_name}（{step.unit.name}）" if step.completed_by and step.unit else ""
        readable = forms.readable(session, tasks.form_schema(step), step.result or {}, step)
        case.steps.append(EarlierStep(step, who, readable))
        if step.task_key == TRANSFER:
            case.transfer_note = (step.result or {}).get("transfer_note") or ""
    ids = objection.responding_unit_ids or []
    case.responding_units = list(session.scalars(select(Unit).where(Unit.id.in_(ids)))) if ids else []
    case.correction = session.scalar(select(Correction).where(Correction.objection_id == objection.id))
    if task.task_key in (DECIDE, COORDINATE, GOVERNMENT):
        case.hidden_fields = HIDDEN_BY_KIND.get(ObjectionType(objection.kind), GRANT_FIELDS)
    case.government_files = [f for f in objection.files if f.purpose == FilePurpose.GOVERNMENT_DECISION]
    case.files = [f for f in objection.files if f.purpose == FilePurpose.EVIDENCE]
    case.can_correct = (
        task.task_key == CORRECT and task.status == TaskStatus.OPEN and engine.can_act(session, person, task)
    )
    return case


@dataclass
class BoardRow:
    objection: Objection
    step: HumanTask | None  # the open step that is due first
    overdue: bool


BOARD_LIMITS = {"status": ("状态", 20), "kind": ("类型", 20), "since": ("起始日期", 10), "until": ("截止日期", 10)}


def board(
    session: Session,
    person: Person,
    status: str = "",
    unit_id: int | None = None,
    kind: str = "",
    since: str = "",
    until: str = "",
) -> list[BoardRow]:
    """The coordinators' board: every objection by status, overdue first, filtered by unit, type and period."""
    if not person.has_role(Role.COORDINATOR):
        raise Forbidden("只有县大数据局协调员可以查看异议处理台账")
    problems = inputs.length_problems({"status": status, "kind": kind, "since": since, "until": until}, BOARD_LIMITS)
    if status and ObjectionStatus.parse(status) is None:
        problems.append("状态：不是已知的异议状态")
    if kind and ObjectionType.parse(kind) is None:
        problems.append("类型：不是已知的异议类型")
    start = inputs.parse_day(since[:10], "起始日期", problems, "since")
    end = inputs.parse_day(until[:10], "截止日期", problems, "until")
    inputs.period_problems(start, end, problems)
    if problems:
        raise ValidationFailed(problems, "筛选条件有误，请按提示修改")
    query = select(Objection).order_by(Objection.id.desc())
    if status:
        query = query.where(Objection.status == ObjectionStatus.parse(status))
    if kind:
        query = query.where(Objection.kind == ObjectionType.parse(kind))
    if unit_id:
        query = query.where((Objection.concerned_unit_id == unit_id) | (Objection.raiser_unit_id == unit_id))
    if start:
        query = query.where(Objection.created_at >= clock.start_of_day(start))
    if end:
        query = query.where(Objection.created_at <= clock.end_of_day(end))
    found = list(session.scalars(query.limit(500)))
    steps = _open_steps(session, [o.instance_id for o in found if o.instance_id])
    rows = [BoardRow(o, steps.get(o.instance_id), False) for o in found]
    for row in rows:
        row.overdue = bool(row.step and row.step.is_overdue())
    return sorted(
        rows,
        key=lambda r: (
            not r.overdue,
            r.step is None,
            r.step.due_at if r.step and r.step.due_at else clock.now(),
            -r.objection.id,
        ),
    )


def _open_steps(session: Session, instance_ids: list[int]) -> dict[int, HumanTask]:
    if not instance_ids:
        return {}
    found: dict[int, HumanTask] = {}
    for task in session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id.in_(instance_ids), HumanTask.status == TaskStatus.OPEN)
        .order_by(HumanTask.due_at.is_(None), HumanTask.due_at)
    ):
        found.setdefault(task.instance_id, task)
    return found
