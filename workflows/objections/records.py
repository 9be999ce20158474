"""The record of a closed objection: the same rules as approval records (CJK fonts, SHA-256 fixed at closing,
QR to the public verification page, one A4 page for a typical case)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit, clock
from workflows.engine import tasks
from workflows.models import HumanTask, ObjectionRecord, TaskStatus
from workflows.models.objections import Correction, Objection, ObjectionStatus
from workflows.sharing import records as approval_records
from workflows.unit_of_work import unit_of_work

_env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape())
CLOSING = (ObjectionStatus.CLOSED, ObjectionStatus.NOT_ACCEPTED)


def _concerns(objection: Objection) -> str:
    if objection.application_id:
        return f"数据申请 {objection.application.number or objection.application_id}（{objection.application.resource.name}）"
    if objection.grant_id:
        return f"{objection.grant.unit.name}对“{objection.grant.resource.name}”的授权"
    if objection.resource_id:
        return f"目录条目 {objection.resource.code} {objection.resource.name}"
    return ""


def _steps(session: Session, objection: Objection) -> list[dict]:
    rows: list[HumanTask] = [
        t for t in tasks.case_tasks(session, "objection", objection.id) if t.status == TaskStatus.COMPLETED
    ]
    return [
        {
            "step": t.name,
            "unit": t.unit.name if t.unit else "",
            "actor": t.completed_by.display_name if t.completed_by else "",
            "at": clock.fmt(t.completed_at),
            "met": "" if t.due_at is None else ("逾期" if t.is_overdue(t.completed_at) else "按期"),
        }
        for t in rows
    ]


def content_for(session: Session, objection: Objection) -> dict:
    """Everything the record states, canonical: the same case always gives the same content."""
    return {
        "title": "夏邑县政务数据共享异议处理记录",
        "number": objection.number,
        "kind": objection.kind.label,
        "raiser_unit": objection.raiser_unit.name,
        "raiser": objection.raiser.display_name,
        "concerned_unit": objection.concerned_unit.name if objection.concerned_unit else "",
        "concerns": _concerns(objection),
        "facts": objection.facts,
        "request": objection.request,
        "raised_at": clock.fmt(objection.created_at),
        "answers": [
            {"unit": a.unit.name, "stance": a.stance.label, "position": a.position, "evidence": a.evidence}
            for a in objection.answers
        ],
        "coordination": dict(objection.coordination or {}),
        "status": objection.status.label,
        "outcome": objection.outcome.label if objection.outcome else "",
        "reason": objection.not_accepted_reason or objection.opinion,
        "effect": objection.effect,
        "referral": objection.referral_document,
        **({"government": dict(objection.government_decision)} if objection.government_decision else {}),
        "closed_at": clock.fmt(objection.closed_at),
        "steps": _steps(session, objection),
        "correction": _correction(session, objection),
    }


def _correction(session: Session, objection: Objection) -> dict:
    found = session.scalar(select(Correction).where(Correction.objection_id == objection.id))
    if found is None:
        return {}
    return {
        "unit": found.unit.name,
        "resource": f"{found.resource.code} {found.resource.name}",
        "status": found.status.label,
        "note": found.done_note,
        "corrected_on": found.corrected_on.isoformat() if found.corrected_on else "",
    }


def close(session: Session, objection: Objection) -> ObjectionRecord:
    """Fix the record's content and hash at the moment the objection is closed; later steps do not change it."""
    existing = session.scalar(select(ObjectionRecord).where(ObjectionRecord.objection_id == objection.id))
    if existing is not None:
        return existing
    session.flush()
    content = content_for(session, objection)
    record = ObjectionRecord(
        objection_id=objection.id, sha256=approval_records.digest(content), content=content, created_at=clock.now()
    )
    session.add(record)
    session.flush()
    audit.record(session, None, "objection", objection.id, "record:created", None, {"sha256": record.sha256})
    return record


def html(content: dict, sha256: str) -> str:
    verify_url = f"{approval_records.base_url()}/verify/{sha256}"
    return _env.get_template("objection_record.html").render(
        c=content, sha256=sha256, verify_url=verify_url, qr=approval_records.qr_data_uri(verify_url)
    )


def pdf_for(session: Session, record: ObjectionRecord) -> bytes | None:
    """The stored PDF, rendered from the stored content when not made yet; None when rendering failed."""
    if record.pdf is None:
        try:
            record.pdf = approval_records.render_within(html(record.content, record.sha256), record.sha256)
        except approval_records.RenderFailed:
            return None
        session.flush()
    return record.pdf


def for_objection(session: Session, objection_id: int) -> ObjectionRecord | None:
    return session.scalar(select(ObjectionRecord).where(ObjectionRecord.objection_id == objection_id))


def find(session: Session, sha256: str) -> ObjectionRecord | None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    return session.scalar(select(ObjectionRecord).where(ObjectionRecord.sha256 == sha256))


def render_pending(sessions, limit: int = 50) -> int:
    """Render the PDFs of objections closed since the last pass, each in its own transaction; a failure waits."""
    done, tried = 0, []
    for _ in range(limit):
        with unit_of_work(sessions) as session:
            query = select(ObjectionRecord).where(ObjectionRecord.pdf.is_(None)).order_by(ObjectionRecord.id).limit(1)
            record = session.scalar(query.where(ObjectionRecord.id.not_in(tried)) if tried else query)
            if record is None:
                break
            tried.append(record.id)
            done += pdf_for(session, record) is not None
    return done
