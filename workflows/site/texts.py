"""The sysadmin's texts: shipped defaults until first saved, plain text shown escaped, every save audited.

A body is plain text with one convention: a line starting with "# " is a heading. Nothing else is markup, so a
saved text can never carry HTML or script to the public pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from workflows import audit, clock, inputs
from workflows.errors import FieldProblem, NotFound, ValidationFailed
from workflows.models import SiteText, SiteTextKind

SHIPPED = Path(__file__).with_name("texts")
LIMITS = {"title": ("标题", 100), "body": ("正文", 50_000)}


@dataclass
class SiteTextInput:
    """The one shape of an edit: a title and a body, both required, both bounded."""

    title: str = ""
    body: str = ""


@dataclass
class Block:
    heading: bool
    lines: list[str]


@dataclass
class ShownText:
    kind: SiteTextKind
    title: str
    body: str
    updated_at: datetime | None  # None: the shipped text, never edited here
    updated_by: str

    @property
    def blocks(self) -> list[Block]:
        return blocks(self.body)


def kind_of(code: str) -> SiteTextKind:
    kind = SiteTextKind.parse(code) if code in {k.value for k in SiteTextKind} else None
    if kind is None:
        raise NotFound("没有这项文字")
    return kind


def shipped(kind: SiteTextKind) -> SiteTextInput:
    """The text that comes with the system: its first line is the title."""
    title, _, body = (SHIPPED / f"{kind.value}.txt").read_text(encoding="utf-8").partition("\n")
    return SiteTextInput(title.strip(), body.strip("\n"))


def get_text(session: Session, kind: SiteTextKind) -> ShownText:
    row = session.get(SiteText, kind)
    if row is None:
        text = shipped(kind)
        return ShownText(kind, text.title, text.body, None, "")
    who = row.updated_by.display_name if row.updated_by else "系统"
    return ShownText(kind, row.title, row.body, row.updated_at, who)


def _clean(data: SiteTextInput) -> SiteTextInput:
    title = " ".join((data.title or "").split())
    body = "\n".join(
        line.rstrip() for line in (data.body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ).strip("\n")
    problems = inputs.length_problems({"title": title, "body": body}, LIMITS)
    if not title:
        problems.append(FieldProblem("title", "标题：请填写标题"))
    if not body.strip():
        problems.append(FieldProblem("body", "正文：请填写正文"))
    if inputs.has_control_characters(title + body.replace("\n", "").replace("\t", "")) or any(
        c in inputs.BIDI_CONTROLS for c in title + body
    ):
        problems.append(FieldProblem("body", "正文：含有不可见的控制字符，请删除后重新提交（可先粘贴到记事本再复制）"))
    if problems:
        raise ValidationFailed(problems)
    return SiteTextInput(title, body)


def save_text(session: Session, actor_id: int, kind: SiteTextKind, data: SiteTextInput) -> SiteText:
    """Replace the text everyone reads; the audit keeps the title and the length before and after."""
    clean = _clean(data)
    row = session.get(SiteText, kind)
    before = {"title": row.title, "length": len(row.body)} if row else {"title": shipped(kind).title}
    if row is None:
        row = SiteText(kind=kind)
        session.add(row)
    row.title, row.body = clean.title, clean.body
    row.updated_at, row.updated_by_id = clock.now(), actor_id
    session.flush()
    audit.record(
        session,
        actor_id,
        "site_text",
        kind.value,
        "site_text:updated",
        before,
        {"title": clean.title, "length": len(clean.body)},
    )
    return row


def blocks(body: str) -> list[Block]:
    """Paragraphs split at blank lines; "# " lines are headings of their own."""
    found: list[Block] = []
    current: list[str] = []

    def close():
        if current:
            found.append(Block(False, list(current)))
            current.clear()

    for line in body.split("\n"):
        if line.startswith("# "):
            close()
            found.append(Block(True, [line[2:].strip()]))
        elif not line.strip():
            close()
        else:
            current.append(line.strip())
    close()
    return found
