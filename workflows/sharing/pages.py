"""What the page of one application shows, loaded up front: its case, deadline, grant, record and allowed actions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import case_names, engine
from workflows.engine import tasks
from workflows.models import (
    AffectedGrant,
    Application,
    ApplicationStatus,
    ApprovalRecord,
    Attachment,
    CallFrequency,
    EntryChange,
    EntryChangeStatus,
    Grant,
    GrantStatus,
    HumanTask,
    InfoItem,
    Objection,
    OpinionTemplate,
    Person,
    ProcessInstance,
    RejectionCategory,
    Role,
    Sensitivity,
    ShareType,
    TaskStatus,
)
from workflows.sharing import (
    affected,
    applications,
    grants,
    opinions,
    records,
    rejections,
    resubmission,
    reviews,
    visibility,
)
from workflows.sharing.audit_events import REVIEW_DECISIONS
from workflows.sharing.process import COORDINATE_TASK

EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)
WITHDRAWABLE = (*applications.OPEN_STATUSES, ApplicationStatus.DRAFT)


@dataclass
class ApplicationPage:
    app: Application
    instance: ProcessInstance | None = None
    steps: list[HumanTask] = field(default_factory=list)
    viewable: set[int] = field(default_factory=set)  # the steps this person may open
    actionable: list[HumanTask] = field(default_factory=list)
    deadline: dict | None = None
    grant: Grant | None = None
    grant_note: str | None = None  # what a catalog change did to the grant (affected.note)
    record: ApprovalRecord | None = None
    record_set_aside: bool = False  # the record's decision was set aside by an objection; the review runs again
    closing_note: str = ""  # how the bureau closed a case the provider could not carry out the county decision on
    can_edit: bool = False
    can_withdraw: bool = False
    can_revoke: bool = False
    can_dispute_use: bool = (
        False  # 数据使用异议 is about a grant still in force (or ended by expiry), not a revoked one
    )
    rejection_label: str = ""
    rejection_fact: rejections.Fact | None = None  # what the category asked for: the items, the provision, the unit …
    resource_warning: str | None = None  # the entry became 不予共享 or was retired while the case runs
    review_days: int | None = None
    done_ids: list[str] = field(default_factory=list)
    active_ids: list[str] = field(default_factory=list)
    active_names: list[str] = field(default_factory=list)


def application_page(session: Session, person: Person, application_id: int) -> ApplicationPage:
    app = applications.get_application(session, person, application_id)
    page = ApplicationPage(
        app=app,
        rejection_label=RejectionCategory.label_of(app.rejection_category),
        review_days=applications.review_period(session, app),
    )
    if app.instance_id:
        page.instance = session.get(ProcessInstance, app.instance_id)
        page.done_ids, page.active_ids, page.active_names = engine.progress(session, page.instance)
    page.steps = tasks.case_tasks(session, "application", app.id)
    page.viewable = tasks.viewable(session, person, page.steps)
    if app.status == ApplicationStatus.REJECTED:
        page.rejection_fact = rejections.of_steps(session, page.steps)
    if app.status in applications.OPEN_STATUSES:
        units = visibility.units_of(person)
        reader = (
            "reviewer"
            if app.provider_unit_id in units and person.has_role(Role.REVIEWER)
            else "applicant"
            if app.applicant_unit_id in units
            else "other"
        )
        page.resource_warning = reviews.resource_warning(app, reader)
    open_steps = [t for t in page.steps if t.status == TaskStatus.OPEN]
    page.actionable = [t for t in open_steps if engine.can_act(session, person, t)]
    review = next((t for t in open_steps if t.task_key == applications.REVIEW_TASK), None)
    page.deadline = tasks.deadline(session, review) if review else None
    page.grant, page.record = grants.for_application(session, app.id), records.for_application(session, app.id)
    page.record_set_aside = page.record is not None and records.reopened(page.record)
    if page.record is not None and not page.record_set_aside:
        page.closing_note = page.record.content.get("closing_note", "")
    page.grant_note = affected.notes(session, [page.grant.id]).get(page.grant.id) if page.grant else None
    mine = app.applicant_unit_id in applications.applicant_units(person)
    page.can_edit = mine and app.status in EDITABLE
    page.can_withdraw = mine and app.status in WITHDRAWABLE
    page.can_revoke = (
        page.grant is not None and page.grant.status == GrantStatus.ACTIVE and grants.can_revoke(person, page.grant)
    )
    page.can_dispute_use = page.grant is not None and page.grant.status != GrantStatus.REVOKED
    return page


# --- the reviewer's task page: the whole case beside the decision form ---------------------------------------


@dataclass
class ItemRow:
    name: str
    sensitive: bool


@dataclass
class EarlierRound:
    """A step already taken on the case: a return with its items, a resubmission with its answers beside each item
    (and the files it brought), a decision."""

    task: HumanTask
    decision: str  # 退回补正 / 补正后重新提交 / 通过 / 不通过
    text: str
    who: str = ""
    items: list[str] = field(default_factory=list)  # what a return asked for
    answers: list[tuple[str, str]] = field(default_factory=list)  # (item asked, answer) of a resubmission
    files: list[str] = field(default_factory=list)  # attached with the resubmission


@dataclass
class ReviewCase:
    app: Application
    name: str
    items: list[ItemRow]
    attachments: list[Attachment]
    rounds: list[EarlierRound]
    opinions: list[OpinionTemplate]
    review_days: int | None
    frequency: str = ""
    share_type: str = ""
    sensitivity: str = ""
    kind: str = "application"  # which case template the task page uses
    resubmission: bool = False  # the applicant's 补正 task: each item asked is answered, the application may be edited
    step: str = ""  # the task's key: what the page asks of the person (review, 补正, the bureau's coordination)
    objections: list[Objection] = field(default_factory=list)  # upheld ones that reopened this review

    @property
    def history(self) -> list[tuple[str, object]]:
        """The earlier rounds and the objections that reopened the review, in the order they happened."""
        dated = [(r.task.completed_at, 0, "round", r) for r in self.rounds]
        dated += [(o.closed_at, 1, "objection", o) for o in self.objections]
        return [(kind, item) for _, _, kind, item in sorted(dated, key=lambda d: (d[0], d[1]))]

    @property
    def has_sensitive(self) -> bool:
        return any(i.sensitive for i in self.items)


DEADLINE_RULE = (
    "期限按工作日计算；最后一个工作日系统向审核人发出催办，逾期后报县政务服务和大数据管理局督办并计入考核。"
    "系统不会因超时自动作出决定，仍须由审核人办理。"
)


def sensitive_items(session: Session, app: Application) -> dict[str, bool]:
    rows = session.execute(select(InfoItem.name, InfoItem.sensitive).where(InfoItem.resource_id == app.resource_id))
    return {name: bool(flag) for name, flag in rows}


def review_items(session: Session, task: HumanTask) -> list[tuple[str, str]]:
    """The x-options "subject_items" of the review form: each requested item, the sensitive ones marked 敏感."""
    app = session.get(Application, int(task.instance.subject_id))
    marks = sensitive_items(session, app)
    return [(name, f"{name}（敏感）" if marks.get(name) else name) for name in app.items]


def review_case(session: Session, person: Person, task: HumanTask) -> ReviewCase | None:
    """What the reviewer reads before deciding, loaded in a handful of queries (the template runs none)."""
    if task.instance.subject_type != "application" or not (task.instance.subject_id or "").isdigit():
        return None
    app = session.get(Application, int(task.instance.subject_id))
    if app is None:
        return None
    marks = sensitive_items(session, app)
    attachments = list(
        session.scalars(select(Attachment).where(Attachment.application_id == app.id).order_by(Attachment.id))
    )
    steps = tasks.case_tasks(session, "application", app.id)
    answers = resubmission.answered(steps)
    rounds = [_round(t, answers.get(t.id, [])) for t in steps if t.status == TaskStatus.COMPLETED and t.id != task.id]
    return ReviewCase(
        app=app,
        name=case_names.of_application(app),
        items=[ItemRow(n, marks.get(n, False)) for n in app.items],
        attachments=attachments,
        rounds=[r for r in rounds if r],
        opinions=opinions.for_person(session, person, task.unit_id),
        review_days=applications.review_period(session, app),
        frequency=CallFrequency.label_of(app.frequency) if app.frequency else "",
        share_type=ShareType.label_of(app.resource.share_type),
        sensitivity=Sensitivity.label_of(app.resource.sensitivity),
        objections=reviews.objections_before(session, task.instance),
        resubmission=task.task_key == applications.RESUBMIT_TASK and task.status == TaskStatus.OPEN,
        step=task.task_key,
    )


def _round(task: HumanTask, answers: list[tuple[str, str]]) -> EarlierRound | None:
    result = task.result or {}
    if task.task_key == applications.RESUBMIT_TASK:
        return EarlierRound(
            task,
            "补正后重新提交",
            result.get("resubmit_note") or "",
            _who(task),
            answers=answers,
            files=list(result.get("attachments") or []),
        )
    if task.task_key == applications.REVIEW_TASK and result.get("decision") == "return":
        return EarlierRound(task, REVIEW_DECISIONS["return"], "", _who(task), items=resubmission.asked(result))
    if task.task_key == applications.REVIEW_TASK and result.get("decision") in REVIEW_DECISIONS:
        return EarlierRound(task, REVIEW_DECISIONS[result["decision"]], result.get("reason") or "", _who(task))
    if task.task_key == COORDINATE_TASK:
        step = "县大数据局再次协调" if result.get("next_step") == "reopen" else "县大数据局协调办结"
        return EarlierRound(task, step, result.get("opinion") or "", _who(task))
    return None


def _who(task: HumanTask) -> str:
    return f"{task.completed_by.display_name}（{task.unit.name}）" if task.completed_by and task.unit else ""


def task_warning(session: Session, task: HumanTask) -> str | None:
    """What a reviewer must see on an open review: the resource can no longer be approved (changed under it)."""
    if task.status != TaskStatus.OPEN or task.instance.subject_type != "application":
        return None
    return reviews.resource_warning(session.get(Application, int(task.instance.subject_id)))


# --- a catalog change that reached grants: the bureau's confirmation and the provider's decisions --------------


@dataclass
class ChangeCase:
    change: EntryChange
    name: str
    rows: list[AffectedGrant]  # once effective: each grant it reached, with the provider's decision
    preview: list[Grant]  # while pending: the active grants it would reach
    notes: dict[int, str]
    can_decide: bool  # the person may decide on the listed grants now
    kind: str = "entry_change"
    opinions: list = field(default_factory=list)
    review_days: int | None = None


def change_case(session: Session, person: Person, task: HumanTask) -> ChangeCase | None:
    """The change beside the bureau's confirmation form, or the grants beside the provider's task."""
    if not (task.instance.subject_id or "").isdigit():
        return None
    change = session.get(EntryChange, int(task.instance.subject_id))
    rows = affected.rows(session, change.id)
    decide = (
        task.task_key == affected.DECIDE_TASK
        and task.status == TaskStatus.OPEN
        and engine.can_act(session, person, task)
    )
    return ChangeCase(
        change,
        case_names.entry_change_name(change),
        rows,
        affected.reached(session, change) if change.status == EntryChangeStatus.PENDING else [],
        affected.notes(session, [r.grant_id for r in rows]),
        decide,
    )
