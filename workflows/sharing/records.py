"""PDF approval records: rendered once at decision time with WeasyPrint, verified by the SHA-256 of their content."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
from datetime import timedelta
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session, lazyload
from weasyprint import HTML

from workflows import audit, clock, engine
from workflows.db import is_postgres
from workflows.models import (
    PROTECTION_MISSING,
    Application,
    ApplicationStatus,
    ApprovalRecord,
    AuditEvent,
    CallFrequency,
    Grant,
    HumanTask,
    Objection,
    Person,
    ProcessInstance,
    RejectionCategory,
    ShareType,
    TaskStatus,
)
from workflows.sharing import rejections, resubmission, visibility
from workflows.sharing.audit_events import NEXT_STEPS, REVIEW_DECISIONS
from workflows.sharing.process import COORDINATE_TASK, REVIEW_TASK
from workflows.unit_of_work import unit_of_work

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape())
RENDER_SECONDS = float(os.environ.get("RECORD_RENDER_SECONDS", 20))
MAX_BACKOFF = timedelta(days=1)


DEFAULT_BASE_URL = "http://127.0.0.1:5000"
_configured_base_url: str | None = None


def configure(public_base_url: str | None) -> None:
    """The address people reach the system at (the app's PUBLIC_BASE_URL): records' verification URL and QR."""
    global _configured_base_url
    _configured_base_url = (public_base_url or "").strip().rstrip("/") or None


def base_url() -> str:
    return _configured_base_url or os.environ.get("PUBLIC_BASE_URL", DEFAULT_BASE_URL).strip().rstrip("/")


def _unit(unit) -> dict:
    return {"name": unit.name, "credit_code": unit.credit_code}


def _result(session: Session, task: HumanTask) -> str:
    """What the step decided, as the record states it: the review's decision (with the category and the fact of a
    rejection), or what the bureau did with the provider's answer."""
    result = task.result or {}
    if task.task_key == REVIEW_TASK and result.get("decision") in REVIEW_DECISIONS:
        said = REVIEW_DECISIONS[result["decision"]]
        if result["decision"] == "reject" and (
            category := RejectionCategory.label_of(result.get("rejection_category"))
        ):
            fact = rejections.stated(session, result)
            said += f"（{category}；{fact}）" if fact else f"（{category}）"
        return said
    if task.task_key == COORDINATE_TASK:
        return NEXT_STEPS.get(result.get("next_step"), "")
    return ""


def _comment(result: dict) -> str:
    """What the step said: the reviewer's reason, the applicant's 补正说明, or the bureau's coordination opinion."""
    return result.get("reason") or result.get("resubmit_note") or result.get("opinion") or ""


_REOPENINGS = (
    select(AuditEvent)
    .where(
        AuditEvent.subject_type == "application",
        AuditEvent.subject_id == bindparam("id"),
        AuditEvent.action == "application:reopened",
    )
    .order_by(AuditEvent.id)
)


def _reopenings(session: Session, app: Application) -> list[dict]:
    """Each review reopened by an upheld objection (or on the county government's decision), as a step."""
    found = []
    for event in session.scalars(_REOPENINGS, {"id": str(app.id)}):
        after = event.after or {}
        objection = session.get(Objection, after.get("objection_id") or 0)
        number = objection.number if objection else ""
        government = after.get("government_decision")
        actor = session.get(Person, event.actor_id) if event.actor_id else None
        found.append(
            {
                "step": f"依据县政府决定重新审核（{government}，异议 {number}）"
                if government
                else f"异议成立，重新审核（异议 {number}）",
                "actor": (
                    f"{actor.display_name}（{actor.unit.name}{'，登记县政府决定' if government else ''}）"
                    if actor
                    else ""
                ),
                "at": clock.fmt(event.at),
                "due": "",
                "met": "",
                "comment": "" if government else after.get("opinion", ""),
            }
        )
    return found


def _timeline(session: Session, app: Application, rows: list[HumanTask]) -> list[dict]:
    """Submission, then each case's steps in order; a case started by an upheld objection opens with that step."""
    steps = [
        {
            "step": "提交申请",
            "actor": f"{app.applicant.display_name}（{app.applicant_unit.name}）",
            "at": clock.fmt(app.submitted_at),
            "due": "",
            "met": "",
        }
    ]
    answers = resubmission.answered(rows)
    reopenings, case = iter(_reopenings(session, app)), None
    for task in rows:
        if case is not None and task.instance_id != case:
            steps.append(next(reopenings, None))
        case = task.instance_id
        who = task.completed_by
        actor = f"{who.display_name}（{who.unit.name}）" if who else ("流程关闭" if task.completed_at else "")
        met = "" if task.due_at is None else ("逾期" if task.is_overdue() else "按期")
        step = {
            "step": task.name,
            "actor": actor,
            "at": clock.fmt(task.completed_at) if task.completed_at else "办理中",
            "due": clock.fmt(task.due_at),
            "met": met,
            "comment": _comment(task.result or {}),
        }
        if said := _result(session, task):
            step["result"] = said
        if task.id in answers:  # the 补正: each item asked with its answer, and the files that came with them
            step |= {
                "answers": [{"item": item, "answer": answer} for item, answer in answers[task.id]],
                "attachments": list((task.result or {}).get("attachments") or []),
            }
        steps.append(step)
    return [s for s in steps if s]


def _closing_note(session: Session, app: Application, rows: list[HumanTask]) -> str:
    """A case the bureau closed after the provider answered it could not carry out the county government's
    decision says so: the 未通过 is the provider's answer, not a refusal that nobody questioned."""
    last = next((t for t in reversed(rows) if t.status == TaskStatus.COMPLETED), None)
    if app.status != ApplicationStatus.REJECTED or last is None or last.task_key != COORDINATE_TASK:
        return ""
    opinion = (last.result or {}).get("opinion", "")
    return f"{app.provider_unit.name}答复{REVIEW_DECISIONS['cannot']}，县大数据局协调后{NEXT_STEPS['conclude']}" + (
        f"：{opinion}" if opinion else ""
    )


def _fact(session: Session, app: Application, rows: list[HumanTask]) -> dict | None:
    """What the rejection's category asked for (the items, the provision, the unit …), as the record prints it."""
    fact = rejections.of_steps(session, rows) if app.status == ApplicationStatus.REJECTED else None
    return {"title": fact.title, "text": fact.text} if fact else None


def content_for(session: Session, app: Application) -> dict:
    """Everything the record states, in a canonical form: the same case always gives the same content.

    Keys are only ever added (rejection_fact; a 补正 step's answers and attachments; data_protection, the using
    unit's undertaking as reviewed): stored records keep theirs."""
    grant = session.scalar(
        select(Grant)
        .options(lazyload(Grant.application), lazyload(Grant.unit), lazyload(Grant.resource))
        .where(Grant.application_id == app.id)
    )
    rows = list(
        session.scalars(
            select(HumanTask)
            .options(engine.TASK_ROWS)
            .join(ProcessInstance)
            .where(ProcessInstance.subject_type == "application", ProcessInstance.subject_id == str(app.id))
            .order_by(HumanTask.instance_id, HumanTask.created_at, HumanTask.id)
        )
    )
    frequency = CallFrequency.parse(app.frequency)
    return {
        "title": "夏邑县政务数据共享审批记录",
        "number": app.number,
        "applicant_unit": _unit(app.applicant_unit),
        "applicant": app.applicant.display_name,
        "provider_unit": _unit(app.provider_unit),
        "resource": {
            "code": app.resource.code,
            "name": app.resource.name,
            "share_type": ShareType(app.resource.share_type).label,
        },
        "requested_items": list(app.items),
        "scenario": app.scenario,
        "basis": app.basis,
        "purpose": app.purpose,
        "frequency": frequency.label if frequency else "",
        "requested_until": str(app.valid_until or ""),
        "data_protection": [{"title": t, "text": text} for t, text in app.protection_lines()]
        if app.data_protection
        else None,
        "timeline": _timeline(session, app, rows),
        "decision": ApplicationStatus(app.status).label,
        "reason": app.decision_reason,
        "rejection_category": RejectionCategory.label_of(app.rejection_category),
        "rejection_fact": _fact(session, app, rows),
        **({"closing_note": note} if (note := _closing_note(session, app, rows)) else {}),
        "decided_by": app.decided_by.display_name if app.decided_by else "系统（无条件共享）",
        "decided_by_unit": app.provider_unit.name,
        "decided_at": clock.fmt(app.decided_at),
        "late": app.late,
        "review_days": _review_days(session, app),
        "grant": None
        if grant is None
        else {
            "items": list(grant.items),
            "scenario": grant.scenario,
            "valid_from": str(grant.valid_from),
            "valid_until": str(grant.valid_until),
        },
    }


def _review_days(session: Session, app: Application) -> int | None:
    instance = session.get(ProcessInstance, app.instance_id) if app.instance_id else None
    return engine.task_period(instance.process_version, REVIEW_TASK) if instance else None


def digest(content: dict) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def render_pdf(content: dict, sha256: str, public_base_url: str | None = None) -> bytes:
    verify_url = f"{public_base_url or base_url()}/verify/{sha256}"
    qr = qr_data_uri(verify_url)
    html = _env.get_template("record.html").render(
        c=content, sha256=sha256, verify_url=verify_url, qr=qr, protection_missing=PROTECTION_MISSING
    )
    return HTML(string=html).write_pdf()


class RenderFailed(Exception):
    """The PDF could not be made within its time budget (or at all); the record waits for a later try."""


def qr_data_uri(url: str) -> str:
    """The verification QR code every record carries, as an inline SVG."""
    return segno.make(url, error="m").svg_data_uri(scale=3, border=1)


def _render_child(conn, content: dict | str, sha256: str, public_base_url: str) -> None:
    try:
        conn.send_bytes(
            HTML(string=content).write_pdf()
            if isinstance(content, str)
            else render_pdf(content, sha256, public_base_url)
        )
    except Exception as exc:  # reported to the parent, which records it
        conn.send_bytes(b"ERR" + str(exc)[:500].encode("utf-8", "replace"))
    finally:
        conn.close()


_context = None


def render_within(content: dict | str, sha256: str, seconds: float = RENDER_SECONDS) -> bytes:
    """Render in a separate process that is killed when the budget runs out, so no worker hangs on one record.

    The forkserver gives clean single-threaded children with WeasyPrint already imported. Other records (the
    objection record) pass their finished HTML instead of an approval record's content.
    """
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(["workflows.sharing.records", "weasyprint"])
    receiver, sender = _context.Pipe(duplex=False)
    child = _context.Process(target=_render_child, args=(sender, content, sha256, base_url()), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise RenderFailed(f"生成超过 {seconds:g} 秒，已中止")
        data = receiver.recv_bytes()
    except EOFError:
        raise RenderFailed("生成进程意外退出") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if data.startswith(b"ERR"):
        raise RenderFailed(data[3:].decode("utf-8", "replace"))
    return data


def create(session: Session, app: Application) -> ApprovalRecord:
    """Made once per decision (a review reopened by an objection decides again); later views read the stored PDF.

    Asked twice for the same decision, it gives the record already made: the same content is the same record.
    """
    session.flush()
    content = content_for(session, app)
    sha256 = digest(content)
    latest = session.scalar(
        select(ApprovalRecord)
        .options(lazyload(ApprovalRecord.application))
        .where(ApprovalRecord.application_id == app.id)
        .order_by(ApprovalRecord.id.desc())
        .limit(1)
    )
    if latest is not None and latest.sha256 == sha256:
        return latest
    record = ApprovalRecord(
        application_id=app.id, sha256=sha256, content=content, pdf=None, created_at=clock.now()
    )  # the PDF is rendered by the sweep or on first download
    session.add(record)
    session.flush()
    audit.record(session, None, "application", app.id, "record:created", None, {"sha256": sha256})
    return record


def pdf_for(session: Session, record: ApprovalRecord) -> bytes | None:
    """The stored PDF, rendered from the stored content (which the SHA-256 covers) when not made yet.

    None when rendering failed: the failure is kept on the record and the periodic pass retries it later.
    """
    if record.pdf is None:
        try:
            record.pdf = render_within(record.content, record.sha256)
        except RenderFailed as exc:
            _failed(session, record, str(exc))
            return None
        record.render_error, record.next_render_at = None, None
        session.flush()
    return record.pdf


def _failed(session: Session, record: ApprovalRecord, error: str) -> None:
    """Back off: 2, 4, 8 … minutes, at most a day, so one bad record never holds up the others."""
    record.render_attempts += 1
    record.render_error = error
    record.next_render_at = clock.now() + min(timedelta(minutes=2**record.render_attempts), MAX_BACKOFF)
    audit.record(
        session,
        None,
        "application",
        record.application_id,
        "record:render_failed",
        None,
        {"attempts": record.render_attempts, "error": error},
    )
    session.flush()


_PENDING = (
    select(ApprovalRecord.id)
    .where(ApprovalRecord.pdf.is_(None))
    .where(or_(ApprovalRecord.next_render_at.is_(None), ApprovalRecord.next_render_at <= bindparam("now")))
    .order_by(ApprovalRecord.render_attempts, ApprovalRecord.id)
    .limit(1)
)


def render_pending(sessions, limit: int = 100) -> int:
    """Render the PDFs of records decided since the last pass; each in its own transaction.

    Records that failed before wait for their back-off and come after the fresh ones.
    """
    done, skip = 0, []
    for _ in range(limit):
        with unit_of_work(sessions) as session:
            query = _PENDING.where(ApprovalRecord.id.not_in(skip)) if skip else _PENDING
            if is_postgres(session):
                query = query.with_for_update(skip_locked=True)  # several schedulers never render one record twice
            record_id = session.scalar(query, {"now": clock.now()})
            if record_id is None:
                break
            skip.append(record_id)
            done += pdf_for(session, session.get(ApprovalRecord, record_id)) is not None
    return done


def failed(session: Session) -> list[ApprovalRecord]:
    """Records whose PDF could not be made yet, for the sysadmin."""
    return list(
        session.scalars(
            select(ApprovalRecord)
            .where(ApprovalRecord.pdf.is_(None), ApprovalRecord.render_attempts > 0)
            .order_by(ApprovalRecord.id)
        )
    )


def find(session: Session, sha256: str) -> ApprovalRecord | None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    return session.scalar(select(ApprovalRecord).where(ApprovalRecord.sha256 == sha256))


def history(session: Session, application_id: int) -> list[ApprovalRecord]:
    """Every record of the application, oldest first: one per decision (a reopened review decides again)."""
    return list(
        session.scalars(
            select(ApprovalRecord)
            .options(lazyload(ApprovalRecord.application))
            .where(ApprovalRecord.application_id == application_id)
            .order_by(ApprovalRecord.id)
        )
    )


def for_application(session: Session, application_id: int) -> ApprovalRecord | None:
    """The record of the application's latest decision, the one that holds."""
    return session.scalar(
        select(ApprovalRecord)
        .where(ApprovalRecord.application_id == application_id)
        .order_by(ApprovalRecord.id.desc())
        .limit(1)
    )


def for_download(session: Session, actor: Person, application_id: int) -> ApprovalRecord | None:
    """The record that holds now, as its downloads give it: to whom visibility.record_visible allows, else none."""
    record = for_application(session, application_id)
    return record if record is not None and visibility.record_visible(actor, record) else None


def for_grant(session: Session, grant: Grant) -> ApprovalRecord | None:
    """The record of the decision that created the grant: what its 授权提供单 cites, whatever came later."""
    return session.get(ApprovalRecord, grant.record_id) if grant.record_id else None


def reopened(record: ApprovalRecord) -> bool:
    """The decision this record states was set aside (an upheld objection reopened the review) and none stands yet."""
    return record.application.status in (
        ApplicationStatus.IN_REVIEW,
        ApplicationStatus.RETURNED,
        ApplicationStatus.COORDINATING,
    )


def superseded_by(session: Session, record: ApprovalRecord) -> ApprovalRecord | None:
    """A later decision on the same application (after a reopened review), which the verify page points to."""
    newest = for_application(session, record.application_id)
    return newest if newest is not None and newest.id != record.id else None
