"""Data applications (四(三)): a unit applies with its usage scenario; 不予共享 data cannot be applied for."""

from __future__ import annotations

import re

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, lazyload

from workflows import audit, clock, engine, inputs
from workflows.errors import Conflict, DomainError, FieldProblem, Forbidden, NotFound, ValidationFailed
from workflows.models import (
    Application,
    ApplicationStatus,
    ApprovalRecord,
    Attachment,
    CallFrequency,
    Grant,
    HumanTask,
    Person,
    ProcessInstance,
    Resource,
    ResourceStatus,
    Role,
    ShareType,
    TaskStatus,
    Unit,
)
from workflows.sharing import integrity, visibility
from workflows.sharing.inputs import (  # noqa: F401  (pages read latest_valid_until here)
    MIN_JUSTIFICATION,
    REFUSED_APPLICATION,
    ApplicationDraft,
    ApplicationInput,
    ApplicationShape,
    latest_valid_until,
    missing_protection,
)
from workflows.sharing.process import PROCESS, RESUBMIT_TASK, REVIEW_TASK  # noqa: F401  (pages read them here)

UNDERTAKING = (
    "本单位承诺：谁使用、谁负责。严格按照申请所述应用场景使用共享数据，不篡改数据，不挪作他用，"
    "不向任何第三方泄露或提供；落实数据安全管理责任，因管理不善造成数据安全问题的，由本单位承担相应责任。"
)
ATTACHMENT_TYPES = {"application/pdf": b"%PDF", "image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff"}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
WITHDRAW_REASON_LIMIT = 1000
_PUNCT = re.compile(r"[\s\W_]+")
OPEN_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.RETURNED,
    ApplicationStatus.COORDINATING,
)
DECIDED = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)


class DuplicateApplication(Conflict):
    """The unit already has an application for this resource with the same scenario under way."""

    def __init__(self, existing: Application):
        self.existing_id, self.existing_number = existing.id, existing.number
        label = ApplicationStatus(existing.status).label
        super().__init__(
            f"本单位已有同一资源、同一应用场景的申请 {existing.number}（{label}），未重复提交",
            [f"请在申请 {existing.number} 中查看进度或补正；确有不同的应用场景，请写明该场景后再申请"],
        )


class NotShareable(DomainError):
    status = 422
    code = "not_shareable"


_PUBLISHED = select(Resource).where(Resource.code == bindparam("code"), Resource.status == ResourceStatus.PUBLISHED)


def shareable_resource(session: Session, code: str) -> Resource:
    """A published entry that may be applied for (the code as typed: spaces and case aside); 不予共享 explains what to
    do instead."""
    resource = session.scalar(_PUBLISHED, {"code": inputs.catalog_code(code)[:200]})
    if resource is None:
        raise NotFound(f"目录条目“{inputs.shown(code.strip(), 30)}”不存在或未发布，请在资源目录中检索后再申请")
    if resource.share_type == ShareType.NOT_SHARED:
        raise NotShareable(
            f"“{resource.name}”为不予共享资源（依据：{resource.share_condition}），不能申请。"
            "如确有需要，可在供需对接清单登记需求，由县大数据局协调；对共享类型有异议的可提出异议"
        )
    return resource


def review_period(session: Session, app: Application | None = None) -> int | None:
    """The working days the provider has to decide: from the application's own case, or what new cases get."""
    if app is not None and app.instance_id:
        instance = session.get(ProcessInstance, app.instance_id)
        return engine.task_period(instance.process_version, REVIEW_TASK)
    return engine.current_period(session, PROCESS, REVIEW_TASK)


def applicant_units(person: Person) -> list[int]:
    return sorted({m.unit_id for m in person.memberships if m.role == Role.APPLICANT})


def _check(
    session: Session, unit_id: int, data: ApplicationShape, complete: bool, protection_required: bool = False
) -> Resource:
    """Everything wrong with an application at once; the shape was checked before anything was looked up.
    `protection_required`: the web form asks for the data protection undertaking; API v1 clients may leave it out."""
    resource = shareable_resource(session, data.resource_code)
    problems = []
    if resource.provider_unit_id == unit_id:
        problems.append("本单位的数据无需申请")
    names = [i.name for i in resource.items]
    unknown = [i for i in data.items if i not in names]
    if unknown:
        problems.append(FieldProblem("items", f"信息项：{'、'.join(unknown)} 不属于该资源"))
    problems += data.problems_as(ApplicationInput if complete else ApplicationDraft)
    if complete and protection_required and data.data_protection is None:
        problems += missing_protection()
    sensitive = [i.name for i in resource.items if i.sensitive and i.name in data.items]
    if complete and sensitive and len(data.sensitive_justification) < MIN_JUSTIFICATION:
        problems.append(
            FieldProblem(
                "sensitive_justification",
                f"敏感信息项（{'、'.join(sensitive)}）：请说明必须使用的理由，" f"至少 {MIN_JUSTIFICATION} 个字",
            )
        )
    if problems:
        raise ValidationFailed(problems, REFUSED_APPLICATION)
    return resource


def save_draft(
    session: Session,
    actor: Person,
    unit_id: int,
    raw: dict | ApplicationShape,
    application_id: int | None = None,
    complete: bool = False,
) -> Application:
    """Keep what was typed, even incomplete; only what is present is checked. `complete` (saving in order to submit)
    checks everything a submission needs in the same pass, so every problem is told at once, the data protection
    undertaking among them (the form asks for it; only API v1 may leave it out)."""
    _require_applicant(actor, unit_id)
    data = _shape(raw, complete)
    resource = _check(session, unit_id, data, complete=complete, protection_required=True)
    return _save(session, actor, unit_id, resource, data, application_id)


def _shape(raw: dict | ApplicationShape, complete: bool) -> ApplicationShape:
    """The shape of what was sent; when it is refused, every field's problem is told in that one answer (a text
    too long and a date that does not exist together), not one submit after another."""
    try:
        return ApplicationShape.parse(raw)
    except ValidationFailed:
        (ApplicationInput if complete else ApplicationDraft).parse(raw)  # raises with all the problems
        raise


def _require_applicant(actor: Person, unit_id: int) -> None:
    if not actor.has_role(Role.APPLICANT, unit_id):
        raise Forbidden("只有本单位的申请人可以申请数据")


def _save(
    session: Session,
    actor: Person,
    unit_id: int,
    resource: Resource,
    data: ApplicationShape,
    application_id: int | None = None,
) -> Application:
    app = _editable(session, actor, application_id) if application_id else None
    if app is not None and app.status != ApplicationStatus.DRAFT and app.resource_id != resource.id:
        raise ValidationFailed(
            [
                f"目录条目：退回补正时不能更换所申请的资源（本申请为“{app.resource.name}”，"
                f"{app.resource.code}）。如需申请其他资源，请撤回本申请后另行申请"
            ],
            "申请内容有误，未保存，请按提示修改",
        )
    if app is None:
        app = Application(
            applicant_unit_id=unit_id, applicant_id=actor.id, created_at=clock.now(), status=ApplicationStatus.DRAFT
        )
        session.add(app)
    _fill(app, resource, data)
    session.flush()
    audit.record(
        session,
        actor.id,
        "application",
        app.id,
        "application:saved",
        None,
        {"status": app.status},
        unit_id=app.applicant_unit_id,
    )
    return app


def _fill(app: Application, resource: Resource, data: ApplicationShape) -> None:
    app.resource, app.provider_unit_id = resource, resource.provider_unit_id  # the answer reads app.resource
    app.items = [i.name for i in resource.items if i.name in data.items]
    app.scenario, app.basis, app.purpose = data.scenario, data.basis, data.purpose
    app.frequency = CallFrequency.parse(data.frequency)  # None until the applicant chooses one
    app.valid_until, app.undertaking = data.until(), data.undertaking
    app.sensitive_justification = data.sensitive_justification
    given = data.data_protection is not None and data.data_protection.given()
    app.data_protection = data.data_protection.model_dump() if given else None
    app.updated_at = clock.now()


def _editable(session: Session, actor: Person, application_id: int) -> Application:
    app = get_application(session, actor, application_id)
    if app.applicant_unit_id not in applicant_units(actor):
        raise Forbidden("只有申请单位的申请人可以修改申请")
    app = _locked(session, app)
    if app.status not in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED):
        raise Conflict(f"申请当前为“{ApplicationStatus(app.status).label}”，不能修改")
    return app


def submit(session: Session, actor: Person, application_id: int) -> Application:
    """Check everything (the data protection undertaking too: a draft is submitted from its page) and start the case;
    无条件共享 is granted by the process at once."""
    app = _editable(session, actor, application_id)
    if app.status != ApplicationStatus.DRAFT:
        raise Conflict("退回补正的申请不在此提交：请点击申请页上的“去办理：补正后重新提交”，逐项答复后点击“提交”")
    resource = _check(session, app.applicant_unit_id, ApplicationShape.of(app), complete=True, protection_required=True)
    return _start(session, actor, app, resource)


def _refuse_duplicate(session: Session, app: Application) -> None:
    """One application per unit, resource and scenario at a time: a second identical one (back, then submit again)
    is refused, naming the first; another scenario for the same resource is a different need and goes ahead.

    The unit's submissions queue on its row. FOR NO KEY UPDATE, because this transaction and another one of the
    unit have already inserted rows that reference the unit (their drafts, audit events), which holds KEY SHARE
    on it: FOR UPDATE would wait for those, and the two would deadlock."""
    session.execute(select(Unit.id).where(Unit.id == app.applicant_unit_id).with_for_update(key_share=True))
    scenario = _PUNCT.sub("", app.scenario or "")
    for other_id, other_scenario in session.execute(  # two columns: a busy unit has hundreds open, never load them
        select(Application.id, Application.scenario)
        .where(
            Application.applicant_unit_id == app.applicant_unit_id,
            Application.resource_id == app.resource_id,
            Application.id != app.id,
            Application.status.in_(OPEN_STATUSES),
        )
        .order_by(Application.id)
    ):
        if _PUNCT.sub("", other_scenario or "") == scenario:
            raise DuplicateApplication(session.get(Application, other_id))


def _start(session: Session, actor: Person, app: Application, resource: Resource) -> Application:
    """Number the application and start its case (checked already), for the applicant's unit."""
    with audit.acting_for(app.applicant_unit_id):  # also the case's start and an unconditional grant
        return _number_and_start(session, actor, app, resource)


def _number_and_start(session: Session, actor: Person, app: Application, resource: Resource) -> Application:
    _refuse_duplicate(session, app)
    app.status, app.submitted_at = ApplicationStatus.SUBMITTED, clock.now()
    app.number = f"SQ{clock.today().year}{app.id:06d}"
    audit.record(
        session,
        actor.id,
        "application",
        app.id,
        "application:submitted",
        {"status": ApplicationStatus.DRAFT.value},
        {"status": app.status, "number": app.number},
    )
    if resource.share_type == ShareType.CONDITIONAL:
        app.status = ApplicationStatus.IN_REVIEW
    instance = engine.start(
        session,
        PROCESS,
        actor.id,
        app.applicant_unit_id,
        {
            "application_id": app.id,
            "share_type": str(resource.share_type),
            "provider_unit_id": app.provider_unit_id,
            "applicant_unit_id": app.applicant_unit_id,
        },
        subject=("application", app.id),
    )
    app.instance_id = instance.id
    integrity.verify_application(session, app)
    return app


def apply(session: Session, actor: Person, raw: dict | ApplicationShape, unit_id: int | None = None) -> Application:
    """Save and submit in one step (the JSON API); the unit is the one named, else the person's first."""
    units = applicant_units(actor)
    if not units:
        raise Forbidden("只有申请人可以申请数据，请联系本单位目录管理员开通")
    data = _shape(raw, complete=True)
    unit_id = unit_id or data.unit_id or units[0]
    _require_applicant(actor, unit_id)
    resource = _check(session, unit_id, data, complete=True)  # every problem at once, checked once
    return _start(session, actor, _save(session, actor, unit_id, resource, data), resource)


def withdraw(session: Session, actor: Person, application_id: int, reason: str = "") -> Application:
    """Stop an application before its decision; a decision taken at the same moment wins or loses whole."""
    if problem := inputs.too_long("撤回理由", reason, WITHDRAW_REASON_LIMIT):
        raise ValidationFailed([problem])
    app = get_application(session, actor, application_id)
    if app.applicant_unit_id not in applicant_units(actor):
        raise Forbidden("只有申请单位的申请人可以撤回申请")
    seen_instance = app.instance_id
    if seen_instance:
        engine.lock_instance(session, seen_instance)  # the case first, as every step on it does
    app = _locked(session, app)
    if app.instance_id != seen_instance:
        raise Conflict("申请刚刚已提交，请刷新页面后再撤回")
    if app.status not in (*OPEN_STATUSES, ApplicationStatus.DRAFT):
        raise Conflict(f"申请已{ApplicationStatus(app.status).label}，不能撤回")
    before = app.status
    app.late = bool(app.late) or _review_overdue(session, app)  # withdrawing never erases a late review (§5)
    with audit.acting_for(app.applicant_unit_id):
        if app.instance_id:
            engine.cancel(session, app.instance_id, actor.id, reason or "申请人撤回")
        app.status, app.updated_at = ApplicationStatus.WITHDRAWN, clock.now()
        audit.record(
            session,
            actor.id,
            "application",
            app.id,
            "application:withdrawn",
            {"status": str(before)},
            {"status": app.status, "reason": reason, "late": app.late},
        )
    if app.instance_id:
        integrity.verify_application(session, app)
    return app


def _review_overdue(session: Session, app: Application) -> bool:
    if not app.instance_id:
        return False
    return any(
        t.is_overdue()
        for t in session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == app.instance_id,
                HumanTask.task_key == REVIEW_TASK,
                HumanTask.status == TaskStatus.OPEN,
            )
        )
    )


def late_ids(session: Session, apps: list[Application]) -> set[int]:
    """The applications that are late by now: a round decided or withdrawn late, or an open review past its due
    instant; one query for a whole list."""
    found = {a.id for a in apps if a.late}
    by_instance = {a.instance_id: a.id for a in apps if a.instance_id and a.id not in found}
    if by_instance:
        found |= {
            by_instance[i]
            for i in session.scalars(
                select(HumanTask.instance_id).where(
                    HumanTask.instance_id.in_(by_instance),
                    HumanTask.task_key == REVIEW_TASK,
                    HumanTask.status == TaskStatus.OPEN,
                    HumanTask.due_at < clock.now(),
                )
            )
        }
    return found


# No joins under the lock (PostgreSQL rechecks only the locked row after a wait); see engine.lock_instance.
_LOCK = (
    select(Application)
    .where(Application.id == bindparam("id"))
    .options(lazyload("*"))
    .with_for_update(of=Application, key_share=True)
)


def _locked(session: Session, app: Application) -> Application:
    """The application row, locked for this transaction and read fresh (after its case's row, if any)."""
    return session.execute(_LOCK, {"id": app.id}, execution_options={"populate_existing": True}).scalar_one()


def get_application(session: Session, actor: Person, application_id: int) -> Application:
    app = session.get(Application, application_id)
    if app is None or not visibility.application_visible(actor, app):
        raise NotFound("申请不存在，或您无权查看其他单位的申请")
    return app


_NEWEST_RECORD = (
    select(ApprovalRecord.sha256)
    .where(ApprovalRecord.application_id == Application.id)
    .order_by(ApprovalRecord.id.desc())
    .limit(1)
    .correlate(Application)
    .scalar_subquery()
)
_OUTCOME = (
    select(Grant, _NEWEST_RECORD)
    .select_from(Application)
    .outerjoin(Grant, Grant.application_id == Application.id)
    .where(Application.id == bindparam("id"))
    .options(lazyload(Grant.application), lazyload(Grant.unit), lazyload(Grant.resource))
)


def outcome(session: Session, app: Application) -> tuple[Grant | None, str | None]:
    """The grant and the SHA-256 of the record of the decision that holds now: the newest record (a review reopened
    by an objection decides again, and its record comes after the earlier ones).

    Only a decision (通过 or 未通过) makes them, so an undecided application needs no query.
    """
    if app.status not in DECIDED:
        return None, None
    row = session.execute(_OUTCOME, {"id": app.id}).first()
    return (row[0], row[1]) if row else (None, None)


_DISCARDED_DRAFT = (Application.status == ApplicationStatus.WITHDRAWN) & Application.instance_id.is_(None)


def is_discarded_draft(app: Application) -> bool:
    """A draft withdrawn before it was ever submitted: no review existed, so it is 作废, not 撤回."""
    return app.status == ApplicationStatus.WITHDRAWN and not app.instance_id


def list_applications(session: Session, actor: Person, scope: str = "mine", status: str = "") -> list[Application]:
    """mine: my units' applications; provider: applications for my units' data; all: coordinators."""
    units = visibility.units_of(actor)
    query = select(Application).order_by(Application.id.desc()).where(~_DISCARDED_DRAFT)
    if scope == "provider":
        query = query.where(Application.provider_unit_id.in_(units), Application.status != ApplicationStatus.DRAFT)
    elif scope == "all" and actor.has_role(Role.COORDINATOR):
        query = query.where(Application.status != ApplicationStatus.DRAFT)
    else:
        query = query.where(Application.applicant_unit_id.in_(units))
    if ApplicationStatus.parse(status):
        query = query.where(Application.status == ApplicationStatus.parse(status))
    return list(session.scalars(query.limit(500)))


def add_attachment(
    session: Session, actor: Person, application_id: int, filename: str, content_type: str, data: bytes
) -> Attachment:
    """PDF or images only, checked by their first bytes, at most 10 MB and 10 per application."""
    app = _editable(session, actor, application_id)
    if len(app.attachments) >= MAX_ATTACHMENTS:
        raise ValidationFailed(
            [FieldProblem("attachments", f"附件：每份申请最多 {MAX_ATTACHMENTS} 个附件，请将材料合并为一个 PDF 后上传")]
        )
    magic = ATTACHMENT_TYPES.get(content_type)
    if magic is None:
        raise ValidationFailed([FieldProblem("attachments", "附件：只接受 PDF、PNG 或 JPEG 文件")])
    if not data.startswith(magic):
        kind = "PDF" if content_type == "application/pdf" else "图片"
        raise ValidationFailed(
            [FieldProblem("attachments", f"附件：文件内容不是有效的 {kind}，可能已损坏，请重新导出后上传")]
        )
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed([FieldProblem("attachments", "附件：单个文件不能超过 10 MB，请压缩后重试")])
    name = inputs.clean_filename(filename)
    attachment = Attachment(
        application_id=app.id,
        filename=name,
        content_type=content_type,
        size=len(data),
        data=data,
        uploaded_by_id=actor.id,
        uploaded_at=clock.now(),
    )
    app.attachments.append(attachment)  # the count above stays right for several uploads in one request
    session.flush()
    audit.record(
        session,
        actor.id,
        "application",
        app.id,
        "application:attachment_added",
        None,
        {"attachment": name, "size": len(data)},
        unit_id=app.applicant_unit_id,
    )
    return attachment


def remove_attachment(session: Session, actor: Person, application_id: int, attachment_id: int) -> Attachment:
    """The applicant drops an attachment while the application is theirs to edit (a draft, or returned for
    correction); audited with the file's name and size. Returns the removed attachment."""
    app = _editable(session, actor, application_id)
    found = next((a for a in app.attachments if a.id == attachment_id), None)
    if found is None:
        raise NotFound("附件不存在或已移除")
    app.attachments.remove(found)  # delete-orphan: the file goes with it
    app.updated_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor.id,
        "application",
        app.id,
        "application:attachment_removed",
        {"attachment": found.filename, "size": found.size},
        None,
        unit_id=app.applicant_unit_id,
    )
    return found


def reopen_review(
    session: Session,
    actor: Person,
    application_id: int,
    objection_id: int,
    opinion: str,
    government: dict | None = None,
) -> Application:
    """An upheld objection sets aside the provider's refusal or return (四(五)); the provider reviews again.

    A new review round on a new case about the same application, with a full period from the current version: the
    earlier case, its decision and its record stay in the history. The reviewer reads the bureau's opinion, or the
    county government's decision (`government`), and still decides: only the provider grants.
    """
    if not actor.has_role(Role.COORDINATOR):
        raise Forbidden("只有县大数据局协调员可以根据异议决定重新启动审核")
    app = session.get(Application, application_id)
    if app is None:
        raise NotFound("申请不存在")
    if app.instance_id:
        engine.lock_instance(session, app.instance_id)
    app = _locked(session, app)
    if app.status not in (ApplicationStatus.REJECTED, ApplicationStatus.RETURNED):
        raise Conflict(f"申请{ApplicationStatus(app.status).label}，只有未通过或退回补正的申请可以重新审核")
    before = app.status
    if app.status == ApplicationStatus.RETURNED:  # the return is set aside: the applicant's 补正 task goes
        engine.cancel(session, app.instance_id, actor.id, "异议成立，撤销退回补正，由提供单位继续审核")
    app.status, app.updated_at = ApplicationStatus.IN_REVIEW, clock.now()  # a new review, not a 补正 round
    app.decided_at, app.decided_by_id = None, None  # lateness of earlier rounds stays recorded (§5)
    data = {
        "application_id": app.id,
        "share_type": "conditional",
        "provider_unit_id": app.provider_unit_id,
        "applicant_unit_id": app.applicant_unit_id,
        "objection_id": objection_id,
        "objection_opinion": opinion,
    }
    instance = engine.start(
        session,
        PROCESS,
        actor.id,
        app.applicant_unit_id,
        data | ({"government_decision": government} if government else {}),
        subject=("application", app.id),
    )
    app.instance_id = instance.id
    audit.record(
        session,
        actor.id,
        "application",
        app.id,
        "application:reopened",
        {"status": str(before)},
        {"status": app.status, "objection_id": objection_id, "opinion": opinion}
        | ({"government_decision": government["number"]} if government else {}),
    )
    integrity.verify_application(session, app)
    return app
