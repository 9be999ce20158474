"""Files chosen on an application form whose submit was refused: kept under a token and offered again, so a
person fixes the form without choosing the files a second time. Checked like attachments; a day later they go."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workflows import clock, inputs
from workflows.errors import FieldProblem
from workflows.models import PendingUpload, Person
from workflows.sharing import applications

KEPT_FOR = timedelta(days=1)
MAX_PENDING = applications.MAX_ATTACHMENTS  # per person: the oldest go first
MAX_TOKENS = 20  # how many tokens a form may send back


@dataclass
class Chosen:
    filename: str
    content_type: str
    data: bytes


def problem_of(chosen: Chosen) -> FieldProblem | None:
    """The same rules as an attachment: PDF, PNG or JPEG by their first bytes, at most 10 MB."""
    name = inputs.clean_filename(chosen.filename)
    magic = applications.ATTACHMENT_TYPES.get(chosen.content_type)
    if magic is None:
        return FieldProblem("attachments", f"附件：只接受 PDF、PNG 或 JPEG 文件（{name}）")
    if not chosen.data.startswith(magic):
        kind = "PDF" if chosen.content_type == "application/pdf" else "图片"
        return FieldProblem("attachments", f"附件：文件内容不是有效的 {kind}，可能已损坏，请重新导出后上传（{name}）")
    if len(chosen.data) > applications.MAX_ATTACHMENT_BYTES:
        return FieldProblem("attachments", f"附件：单个文件不能超过 10 MB，请压缩后重试（{name}）")
    return None


def stash(session: Session, actor: Person, files: list[Chosen]) -> tuple[list[str], list[FieldProblem]]:
    """Keep the acceptable files; returns their tokens and a problem for each file refused."""
    forget_expired(session)
    tokens, problems = [], []
    for chosen in files[MAX_PENDING:]:
        problems.append(
            FieldProblem(
                "attachments",
                f"附件：每份申请最多 {applications.MAX_ATTACHMENTS} 个附件，"
                f"请将材料合并为一个 PDF 后上传（{inputs.clean_filename(chosen.filename)}）",
            )
        )
    for chosen in files[:MAX_PENDING]:
        if problem := problem_of(chosen):
            problems.append(problem)
            continue
        token = secrets.token_urlsafe(24)
        session.add(
            PendingUpload(
                token=token,
                person_id=actor.id,
                filename=inputs.clean_filename(chosen.filename),
                content_type=chosen.content_type,
                size=len(chosen.data),
                data=chosen.data,
                uploaded_at=clock.now(),
            )
        )
        tokens.append(token)
    session.flush()
    _keep_newest(session, actor)
    return tokens, problems


def pending(session: Session, actor: Person, tokens: list[str]) -> list[PendingUpload]:
    """The person's own kept files among these tokens (anyone else's token finds nothing), oldest first."""
    tokens = [t for t in tokens[:MAX_TOKENS] if t and len(t) <= 64]
    if not tokens:
        return []
    return list(
        session.scalars(
            select(PendingUpload)
            .where(
                PendingUpload.person_id == actor.id,
                PendingUpload.token.in_(tokens),
                PendingUpload.uploaded_at > clock.now() - KEPT_FOR,
            )
            .order_by(PendingUpload.id)
        )
    )


def attach(session: Session, actor: Person, application_id: int, tokens: list[str]) -> list[str]:
    """Move the kept files onto the application; returns their names."""
    found = pending(session, actor, tokens)
    for row in found:
        applications.add_attachment(session, actor, application_id, row.filename, row.content_type, row.data)
        session.delete(row)
    return [row.filename for row in found]


def forget_expired(session: Session) -> int:
    """The cleanup: kept files older than a day are deleted (run on every stash, so nothing piles up)."""
    return (
        session.execute(
            delete(PendingUpload)
            .where(PendingUpload.uploaded_at <= clock.now() - KEPT_FOR)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def _keep_newest(session: Session, actor: Person) -> None:
    ids = list(
        session.scalars(
            select(PendingUpload.id)
            .where(PendingUpload.person_id == actor.id)
            .order_by(PendingUpload.id.desc())
            .offset(MAX_PENDING)
        )
    )
    if ids:
        session.execute(
            delete(PendingUpload).where(PendingUpload.id.in_(ids)).execution_options(synchronize_session=False)
        )
