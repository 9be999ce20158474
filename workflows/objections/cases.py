"""Raising an objection and reading objections: who may see which, and the flags on what they concern."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

import notifications
from workflows import audit, case_names, clock, engine, inputs
from workflows.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from workflows.models import (
    Application,
    ApplicationStatus,
    Grant,
    HumanTask,
    Person,
    Resource,
    ResourceStatus,
    Role,
    Unit,
)
from workflows.models.objections import (
    Correction,
    CorrectionStatus,
    FilePurpose,
    Objection,
    ObjectionFile,
    ObjectionStatus,
    ObjectionType,
)
from workflows.objections.inputs import CODE_LIMIT, MAX_ATTACHMENTS, NUMBER_LIMIT, ObjectionInput  # noqa: F401  (the form counts files)
from workflows.objections.process import ANSWERS, BUREAU_TASKS, PROCESS, TRIAGE
from workflows.organisation.directory import coordinators
from workflows.sharing import applications, visibility
from workflows.usage import reports as usage_reports

MAX_GOVERNMENT_FILES = 3
NEEDS_LINK = {
    ObjectionType.APPLICATION_DISPUTE: "application_id",
    ObjectionType.CATALOG_CORRECTION: "resource_code",
    ObjectionType.QUALITY_DISPUTE: "resource_code",
    ObjectionType.USAGE_DISPUTE: "grant_id",
}
EVIDENCE_OPEN = (ObjectionStatus.SUBMITTED, ObjectionStatus.AWAITING_INFO)  # until triage is done
LINK_LABELS = {"application_id": "所涉申请", "resource_code": "所涉目录条目", "grant_id": "所涉授权"}


DISPUTABLE = (ApplicationStatus.RETURNED, ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)
# Why an application without a decision to dispute cannot be the subject of a 资源申请异议, and what to do instead.
NOT_DISPUTABLE = {
    ApplicationStatus.SUBMITTED: "申请尚未进入审核，请等待提供单位的审核结果",
    ApplicationStatus.IN_REVIEW: "提供单位正在审核，尚无审核结果；请等待审核结果，逾期未审核的系统会报县大数据局督办",
    ApplicationStatus.COORDINATING: "县大数据局正在就提供单位的答复组织协调，请等待协调结果",
    ApplicationStatus.WITHDRAWN: "申请已撤回，没有可以异议的审核结果；如仍需要数据，请重新申请",
}


def can_dispute_application(session: Session, person: Person, app: Application) -> bool:
    """资源申请异议 is the applicant's, about a review result (returned, approved or not approved): not the
    reviewer's about their own decision, not on a draft or a withdrawn application, and not once the county
    government has decided the dispute (its decision is the last word)."""
    return (
        app.status in DISPUTABLE
        and app.applicant_unit_id in visibility.units_of(person)
        and government_decided(session, app) is None
    )


def government_decided(session: Session, app: Application) -> dict | None:
    """The county government's decision on a dispute about this application, if one was recorded."""
    decisions = session.scalars(select(Objection.government_decision).where(Objection.application_id == app.id))
    return next((d for d in decisions if d), None)


def _int(value, name: str, problems: list) -> int | None:
    if value in (None, ""):
        return None
    found = inputs.parse_int(value)
    if found is None or found <= 0:
        problems.append(FieldProblem(name, f"{LINK_LABELS[name]}：应为正整数编号"))
    return found


NOT_OURS = "所涉申请：“{}”不是本单位申请或审核的申请编号（如 SQ2026000001），请核对"


def _application(session: Session, actor: Person, by_id: int | None, number: str, problems: list) -> Application | None:
    """The application named (by number as people know it, or by id from a link), if it is the person's unit's
    own business. Any other number gets the same answer whether it exists or not, so the form tells nobody
    about another unit's applications."""
    text = number.strip().upper()
    if by_id:
        app = session.get(Application, by_id)
    else:
        app = session.scalar(select(Application).where(Application.number == text)) if len(text) <= 32 else None
    if app is None or not visibility.application_concerns(actor, app):
        problems.append(FieldProblem("application_id", NOT_OURS.format(inputs.shown(number or str(by_id)))))
        return None
    return app


def may_name_grant(person: Person, grant: Grant, kind: ObjectionType | None) -> bool:
    """A unit disputes grants it holds or gives; the bureau supervises use (六(三)), so its coordinators may raise a
    数据使用异议 on any grant (from a usage anomaly, against the unit that used the data)."""
    return visibility.grant_concerns(person, grant) or (
        kind == ObjectionType.USAGE_DISPUTE and person.has_role(Role.COORDINATOR)
    )


def _grant(
    session: Session, actor: Person, kind: ObjectionType, by_id: int | None, number: str, problems: list
) -> Grant | None:
    """The grant named (by its application's number, or by id from a link), if the person may name it (see
    may_name_grant); otherwise one answer whatever exists, as for applications."""
    if by_id:
        grant = session.get(Grant, by_id)
    else:
        text = number.strip().upper()
        grant = (
            session.scalar(
                select(Grant)
                .join(Application, Grant.application_id == Application.id)
                .where(Application.number == text)
            )
            if len(text) <= 32
            else None
        )
    if grant is None or not may_name_grant(actor, grant, kind):
        problems.append(
            FieldProblem(
                "grant_id",
                f"所涉授权：“{inputs.shown(number or str(by_id))}”不是本单位获得或本单位"
                "数据的授权（填写授权所属的申请编号，如 SQ2026000001），请核对",
            )
        )
        return None
    return grant


def _grant_label(grant: Grant) -> str:
    return f"授权（{grant.application.number}「{grant.resource.name}」，{grant.unit.name}）"


def _linked(session: Session, actor: Person, kind: ObjectionType, raw: dict, problems: list) -> dict:
    """The one application, entry or grant the objection concerns, and the unit it is raised against.

    Several may be named only when they belong together (the grant of that application, the entry of that
    application or grant): what the case page shows is what an upheld objection acts on."""
    application_id = _int(raw.get("application_id"), "application_id", problems)
    grant_id = _int(raw.get("grant_id"), "grant_id", problems)
    app_number, grant_number, code = (
        # full-width ＳＱ２０２６… typed by an input method is the same number; too long: told by the input
        text if len(text := unicodedata.normalize("NFKC", str(raw.get(name) or "")).strip()) <= limit else ""
        for name, limit in (
            ("application_number", NUMBER_LIMIT),
            ("grant_number", NUMBER_LIMIT),
            ("resource_code", CODE_LIMIT),
        )
    )
    link: dict = {}
    units = visibility.units_of(actor)
    app = grant = resource = None
    if application_id or app_number:
        app = _application(session, actor, application_id, app_number, problems)
    if code:
        resource = session.scalar(
            select(Resource).where(
                func.upper(Resource.code) == code.upper(), Resource.status == ResourceStatus.PUBLISHED
            )
        )
        if resource is None:
            problems.append(FieldProblem("resource_code", f"所涉目录条目：“{code}”不存在或未发布"))
    if grant_id or grant_number:
        grant = _grant(session, actor, kind, grant_id, grant_number, problems)
    if grant and app and grant.application_id != app.id:
        problems.append(
            FieldProblem(
                "grant_id",
                f"所涉对象不一致：{_grant_label(grant)}不是申请 {app.number} 的授权。"
                "一件异议只涉及一个对象，请只填写与异议类型相应的一项",
            )
        )
    elif resource and (app or grant) and resource.id != (app or grant).resource_id:
        other = f"申请 {app.number}" if app else _grant_label(grant)
        problems.append(
            FieldProblem(
                "resource_code",
                f"所涉对象不一致：目录条目 {resource.code} 不是{other}所涉的条目。"
                "一件异议只涉及一个对象，请只填写与异议类型相应的一项",
            )
        )
    else:
        needed = NEEDS_LINK.get(kind)
        chosen = (
            {"application_id": app, "grant_id": grant, "resource_code": resource}[needed]
            if needed
            else grant or app or resource
        )
        if isinstance(chosen, Grant):
            # against the other party; the bureau, party to neither side, raises it against the unit using the data
            provider = grant.resource.provider_unit_id
            against = provider if grant.unit_id in units and provider not in units else grant.unit_id
            link = {"grant_id": grant.id, "resource_id": grant.resource_id, "concerned_unit_id": against}
        elif isinstance(chosen, Application):
            link = {"application_id": app.id, "resource_id": app.resource_id, "concerned_unit_id": app.provider_unit_id}
        elif chosen is not None:
            link = {"resource_id": resource.id, "concerned_unit_id": resource.provider_unit_id}
    if (
        kind == ObjectionType.APPLICATION_DISPUTE
        and link.get("application_id")
        and not can_dispute_application(session, actor, app)
    ):
        decided = government_decided(session, app)
        why = (
            f"本申请的争议已提请县政府决定（{decided['number']}），并已按该决定办理，不再受理资源申请异议；"
            "对办理情况有意见的，请联系县政务服务和大数据管理局"
            if decided
            else NOT_DISPUTABLE.get(
                ApplicationStatus(app.status), "资源申请异议由申请单位对退回、通过或不通过的审核结果提出"
            )
        )
        problems.append(
            FieldProblem(
                "application_id", f"所涉申请：申请 {app.number}（{app.status.label}）不能提出资源申请异议。" f"{why}"
            )
        )
        link = {}
    needed = NEEDS_LINK.get(kind)
    if needed and not any(p.field in LINK_LABELS for p in problems if isinstance(p, FieldProblem)):
        key = "resource_id" if needed == "resource_code" else needed
        if key not in link:
            problems.append(FieldProblem(needed, f"{LINK_LABELS[needed]}：{kind.label}须写明所涉对象"))
    return link


def add_file(
    session: Session, actor: Person, objection: Objection, filename: str, content_type: str, data: bytes
) -> ObjectionFile:
    """The raiser's evidence (PDF or image, at most 5 files), until the objection is accepted."""
    if objection.raiser_id != actor.id:
        raise Forbidden("只有提出人可以上传证据材料")
    if objection.status not in EVIDENCE_OPEN:
        raise ValidationFailed([FieldProblem("files", "证据文件：异议已受理审查，不能再上传证据文件")])
    return store_file(session, actor, objection, filename, content_type, data, FilePurpose.EVIDENCE)


FILE_FIELDS = {
    FilePurpose.EVIDENCE: ("files", "证据文件", MAX_ATTACHMENTS),
    FilePurpose.GOVERNMENT_DECISION: ("government_file", "县政府决定文件", MAX_GOVERNMENT_FILES),
}


def store_file(
    session: Session,
    actor: Person,
    objection: Objection,
    filename: str,
    content_type: str,
    data: bytes,
    purpose: FilePurpose,
) -> ObjectionFile:
    """A file of the objection, checked by its first bytes, at most 10 MB, within its purpose's count."""
    field, label, limit = FILE_FIELDS[purpose]
    if len([f for f in objection.files if f.purpose == purpose]) >= limit:
        raise ValidationFailed([FieldProblem(field, f"{label}：最多 {limit} 个，请合并为一个 PDF 后上传")])
    magic = applications.ATTACHMENT_TYPES.get(content_type)
    if magic is None or not data.startswith(magic):
        raise ValidationFailed([FieldProblem(field, f"{label}：只接受 PDF、PNG 或 JPEG 文件")])
    if len(data) > applications.MAX_ATTACHMENT_BYTES:
        raise ValidationFailed([FieldProblem(field, f"{label}：单个文件不能超过 10 MB，请压缩后重试")])
    name = inputs.clean_filename(filename)
    found = ObjectionFile(
        objection_id=objection.id,
        filename=name,
        content_type=content_type,
        size=len(data),
        data=data,
        uploaded_by_id=actor.id,
        uploaded_at=clock.now(),
        purpose=purpose,
    )
    objection.files.append(found)
    session.flush()
    audit.record(
        session,
        actor.id,
        "objection",
        objection.id,
        "objection:file_added",
        None,
        {"attachment": name, "size": len(data), "purpose": purpose.value},
    )
    return found


def get_file(session: Session, actor: Person, objection_id: int, file_id: int) -> ObjectionFile:
    objection = get_objection(session, actor, objection_id)
    found = next((f for f in objection.files if f.id == file_id), None)
    if found is None:
        raise NotFound("证据文件不存在")
    return found


def raise_objection(session: Session, actor: Person, raw: dict) -> Objection:
    """Record what a unit disputes and start the case; the county data bureau triages it within 2 working days."""
    data, problems = ObjectionInput.check(raw)
    kind = data.type if data else ObjectionType.parse(str(raw.get("type") or raw.get("kind") or ""))
    link = _linked(session, actor, kind, raw, problems) if kind else {}  # what it concerns, in the same pass
    if problems:
        raise ValidationFailed(list(dict.fromkeys(problems)), "异议未提交：请按提示补全")
    _refuse_resubmission(session, actor, kind, link, data.facts)
    objection = Objection(
        kind=kind,
        status=ObjectionStatus.SUBMITTED,
        facts=data.facts,
        request=data.request,
        raiser_id=actor.id,
        raiser_unit_id=actor.unit_id,
        attachments=[evidence.model_dump() for evidence in data.attachments],
        created_at=clock.now(),
        **link,
    )
    session.add(objection)
    session.flush()
    instance = engine.start(
        session,
        PROCESS,
        actor.id,
        actor.unit_id,
        {
            "objection_id": objection.id,
            "raiser_unit_id": actor.unit_id,
            "kind": kind.value,
            "facts": objection.facts,
            "request": objection.request,
            "needs_correction": False,
            "responding_unit_1": 0,
            "responding_unit_2": 0,
            "responding_unit_3": 0,
        },
        subject=("objection", objection.id),
    )
    objection.instance_id = instance.id
    audit.record(
        session,
        actor.id,
        "objection",
        objection.id,
        "objection:submitted",
        None,
        {"status": objection.status.value, "kind": kind.value} | {k: v for k, v in link.items()},
    )
    return objection


ENDED = (ObjectionStatus.NOT_ACCEPTED, ObjectionStatus.CLOSED, ObjectionStatus.RATED)


def disputes_of_anomalies(session: Session, found: list) -> dict[int, Objection]:
    """The open 数据使用异议 made from each usage anomaly (on its grant, its facts as the anomaly's account began):
    /usage/ links it in place of offering another."""
    grants = {a.grant_key for a in found if a.grant_key}
    if not grants:
        return {}
    open_ones = list(
        session.scalars(
            select(Objection)
            .where(Objection.kind == ObjectionType.USAGE_DISPUTE, Objection.grant_id.in_(grants))
            .where(Objection.status.not_in(ENDED))
            .order_by(Objection.id)
        )
    )
    made = {}
    for anomaly in found:
        head = usage_reports.account_head(anomaly)
        if first := next((o for o in open_ones if o.grant_id == anomaly.grant_key and o.facts.startswith(head)), None):
            made[anomaly.id] = first
    return made


def _refuse_resubmission(session: Session, actor: Person, kind: ObjectionType, link: dict, facts: str) -> None:
    """The same objection sent again (the back button, a double click) while the first is open is refused, naming
    the first. The unit's submissions queue on its row (FOR NO KEY UPDATE: see applications._refuse_duplicate)."""
    session.execute(select(Unit.id).where(Unit.id == actor.unit_id).with_for_update(key_share=True))
    same = select(Objection).where(
        Objection.raiser_unit_id == actor.unit_id,
        Objection.kind == kind,
        Objection.facts == facts,
        Objection.status.not_in(ENDED),
        *(getattr(Objection, name) == value for name, value in link.items() if name != "concerned_unit_id"),
    )
    first = session.scalar(same.order_by(Objection.id).limit(1))
    if first is not None:
        raise Conflict(
            f"本单位已就同一事项提出异议 {first.number}（{first.status.label}），未重复提交；请在该异议页查看办理进度"
        )


def periods(session: Session) -> dict[str, int | None]:
    """The working days new objections get for triage and for the units' answers (the process's latest version)."""
    return {
        "triage": engine.current_period(session, PROCESS, TRIAGE),
        "answer": engine.current_period(session, PROCESS, ANSWERS[0]),
    }


def check_day(field: str, label: str, text: str, earliest: datetime | None, since: str = "异议提出") -> date:
    """A date of something that already happened in this case: not in the future, not before `earliest` (the day
    `since` names: when the objection was raised, decided, referred …)."""
    problems: list = []
    day = inputs.parse_day(text, label, problems, field)
    if day is None:
        raise ValidationFailed(problems or [FieldProblem(field, f"{label}：请填写日期")])
    first = clock.local(earliest).date() if earliest else None
    if problem := past_day_check(text, {}):
        raise ValidationFailed([FieldProblem(field, f"{label}：{problem}")])
    if first and day < first:
        raise ValidationFailed([FieldProblem(field, f"{label}：{day} 早于{since}的日期 {first}，请核对")])
    return day


def past_day_check(text: str, data: dict) -> str | None:
    """The x-check "past_day" of a date on which something already happened (a meeting, a referral, a decision),
    checked with the rest of the form so every problem shows at once."""
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        return None  # the form's own date rule answers that
    return f"{day} 晚于今天（{clock.today()}），请填写实际发生的日期" if day > clock.today() else None


UNIT_WORK = (Role.APPLICANT, Role.REVIEWER, Role.UNIT_ADMIN)  # acting for a unit in sharing its data


def recusal(session: Session, person: Person, task: HumanTask) -> str | None:
    """Why a coordinator must step aside from the bureau's steps of this objection (回避), or None: they raised it, or
    they do the data work of the unit that raised it or that it is raised against (apply, review or keep its
    catalog there)."""
    if task.task_key not in BUREAU_TASKS or task.instance.subject_type != "objection":
        return None
    objection = session.get(Objection, int(task.instance.subject_id))
    if objection is None:
        return None
    if objection.raiser_id == person.id:
        return "您是本异议的提出人，须回避：本异议由县大数据局其他协调员办理"
    working = {m.unit_id: m.unit.name for m in person.memberships if m.role in UNIT_WORK}
    for unit_id, what in ((objection.concerned_unit_id, "所涉单位"), (objection.raiser_unit_id, "提出单位")):
        if unit_id in working:
            return f"您在{what}（{working[unit_id]}）担任职务，须回避：本异议由县大数据局其他协调员办理"
    return None


def can_see(person: Person, objection: Objection) -> bool:
    """The raiser's unit, the unit raised against, the responding units and coordinators."""
    units = visibility.units_of(person)
    return (
        person.has_role(Role.COORDINATOR)
        or objection.raiser_unit_id in units
        or objection.concerned_unit_id in units
        or bool(units & set(objection.responding_unit_ids or []))
    )


def case_visible(session: Session, person: Person, subject_id: str | None) -> bool:
    """For a task page of an objection's case: the same rule as the objection's own page."""
    objection = session.get(Objection, int(subject_id)) if (subject_id or "").isdigit() else None
    return objection is not None and can_see(person, objection)


def get_objection(session: Session, actor: Person, objection_id: int) -> Objection:
    objection = session.get(Objection, objection_id)
    if objection is None or not can_see(actor, objection):
        raise NotFound("异议不存在")
    return objection


def list_mine(session: Session, actor: Person) -> list[Objection]:
    """我的异议: raised by my units, or raised against or transferred to them."""
    units = visibility.units_of(actor)
    answering = (
        select(HumanTask.instance_id)
        .where(HumanTask.task_key.in_(ANSWERS), HumanTask.unit_id.in_(units))
        .scalar_subquery()
    )
    query = select(Objection).where(
        or_(
            Objection.raiser_unit_id.in_(units),
            Objection.concerned_unit_id.in_(units),
            Objection.instance_id.in_(answering),
        )
    )
    return list(session.scalars(query.order_by(Objection.id.desc())))


def flags(
    session: Session, *, application_id: int | None = None, resource_id: int | None = None, grant_id: int | None = None
) -> list[str]:
    """What an application, entry or grant page shows: "存在异议" while an accepted objection is open, "纠错中"."""
    found = []
    column, value = (
        (Objection.application_id, application_id)
        if application_id
        else (Objection.resource_id, resource_id)
        if resource_id
        else (Objection.grant_id, grant_id)
    )
    open_statuses = (ObjectionStatus.ACCEPTED, ObjectionStatus.TRANSFERRED, ObjectionStatus.COORDINATING)
    if session.scalar(select(Objection.id).where(column == value, Objection.status.in_(open_statuses)).limit(1)):
        found.append("存在异议")
    if resource_id and session.scalar(
        select(Correction.id)
        .where(Correction.resource_id == resource_id, Correction.status == CorrectionStatus.OPEN)
        .limit(1)
    ):
        found.append("纠错中")
    return found


def disputed_grants(session: Session, grant_ids: list[int]) -> set[int]:
    """Which of these grants carry "存在异议" (an accepted objection on them not yet decided), in one query."""
    if not grant_ids:
        return set()
    open_statuses = (ObjectionStatus.ACCEPTED, ObjectionStatus.TRANSFERRED, ObjectionStatus.COORDINATING)
    return set(
        session.scalars(
            select(Objection.grant_id).where(Objection.grant_id.in_(grant_ids), Objection.status.in_(open_statuses))
        )
    )


def linked(
    session: Session, *, application_id: int | None = None, resource_id: int | None = None, grant_id: int | None = None
) -> list[Objection]:
    """The objections about one object, for its page's timeline (the link seen from the other side)."""
    column, value = (
        (Objection.application_id, application_id)
        if application_id
        else (Objection.resource_id, resource_id)
        if resource_id
        else (Objection.grant_id, grant_id)
    )
    return list(session.scalars(select(Objection).where(column == value).order_by(Objection.id)))


def notify(session: Session, objection: Objection, people: list[Person], what: str, detail: str = "") -> None:
    """`what` heads the message (short: what happened); `detail` (a reason, an opinion) is said once, in the body."""
    context = {
        "name": case_names.objection_name(objection),
        "status": objection.status.label,
        "what": what,
        "detail": detail,
    }
    notifications.send(session, people, "objection", context, f"/objections/{objection.id}")


def notify_raiser(session: Session, objection: Objection, what: str, detail: str = "") -> None:
    notify(session, objection, [objection.raiser], what, detail)


def notify_coordinators(session: Session, objection: Objection, what: str, detail: str = "") -> None:
    notify(session, objection, coordinators(session), what, detail)
