"""One send() for every message: an in-app inbox row, plus an email queued in the outbox.

Email is delivered after the transaction commits (deliver_pending), by the sweep and
right after web requests; a failure is logged and retried and never fails the user's action.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import insert
from sqlalchemy.orm import Session

from workflows import clock
from workflows.models import Notification, OutboxEmail, Person

TEMPLATES = Path(__file__).parent / "templates"
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    keep_trailing_newline=False,
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
)


class Notifier(Protocol):
    def send(
        self, session: Session, recipients: Iterable[Person], template: str, context: dict, link: str = ""
    ) -> int: ...


def render(template: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, html body or "") from templates/<template>/."""
    subject = _env.get_template(f"{template}/subject.txt").render(context).strip()
    text = _env.get_template(f"{template}/body.txt").render(context).strip()
    html_path = TEMPLATES / template / "body.html"
    html = _env.get_template(f"{template}/body.html").render(context) if html_path.exists() else ""
    return subject, text, html


def send(session: Session, recipients: Iterable[Person], template: str, context: dict, link: str = "") -> int:
    """Write one inbox row per distinct active recipient and queue their email; returns how many.

    Each table is written by one executemany of a Core INSERT, on every database: nothing reads the new rows back.
    """
    subject, text, html = render(template, context)
    people = list({p.id: p for p in recipients if p is not None and p.active}.values())
    now, body_text = clock.now(), text + (f"\n\n办理链接：{link}" if link else "")
    if people:
        session.execute(
            insert(Notification.__table__),
            [
                {
                    "person_id": p.id,
                    "template": template,
                    "subject": subject,
                    "body": text,
                    "link": link,
                    "created_at": now,
                }
                for p in people
            ],
        )
    if mailed := [p for p in people if p.email]:
        session.execute(
            insert(OutboxEmail.__table__),
            [
                {
                    "person_id": p.id,
                    "to_address": p.email,
                    "subject": subject,
                    "body_text": body_text,
                    "body_html": html,
                    "created_at": now,
                    "next_attempt_at": now,
                }
                for p in mailed
            ],
        )
    return len(people)
