"""SMTP delivery of the outbox; retried with backoff, never raising into the caller."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from workflows import clock
from workflows.models import EmailStatus, OutboxEmail
from workflows.unit_of_work import unit_of_work

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 25
    user: str = ""
    password: str = ""
    sender: str = "noreply@xiayi.gov.example"
    starttls: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.host)


def _message(row: OutboxEmail, settings: SmtpSettings) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = row.subject
    msg["From"] = settings.sender
    msg["To"] = row.to_address
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=settings.sender.split("@")[-1])
    msg.set_content(row.body_text)
    if row.body_html:
        msg.add_alternative(row.body_html, subtype="html")
    return msg


def deliver_pending(sessions: sessionmaker, settings: SmtpSettings, limit: int = 100) -> tuple[int, int]:
    """Send due outbox emails; returns (sent, failed). Does nothing while email is off."""
    if not settings.enabled:
        return 0, 0
    sent = failed = 0
    with unit_of_work(sessions) as session:
        rows = session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.status == EmailStatus.PENDING, OutboxEmail.next_attempt_at <= clock.now())
            .order_by(OutboxEmail.id)
            .limit(limit)
        ).all()
        if not rows:
            return 0, 0
        try:
            smtp = _connect(settings)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("SMTP server unreachable: %s", exc)
            for row in rows:
                _failed(row, f"无法连接邮件服务器：{exc}")
            return 0, len(rows)
        with smtp:
            for row in rows:
                try:
                    smtp.send_message(_message(row, settings))
                except (OSError, smtplib.SMTPException) as exc:
                    _failed(row, str(exc))
                    failed += 1
                    continue
                row.status, row.sent_at, row.attempts = EmailStatus.SENT, clock.now(), row.attempts + 1
                sent += 1
    return sent, failed


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=10)
    if settings.starttls:
        smtp.starttls()
    if settings.user:
        smtp.login(settings.user, settings.password)
    return smtp


def _failed(row: OutboxEmail, error: str) -> None:
    row.attempts += 1
    row.last_error = error[:2000]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = EmailStatus.FAILED
        log.error("giving up email %s to %s after %s attempts: %s", row.id, row.to_address, row.attempts, error)
    else:
        row.next_attempt_at = clock.now() + timedelta(minutes=2**row.attempts)


def forget_sent(session: Session, retention: timedelta) -> int:
    """Delete outbox rows sent longer ago than the retention; pending and failed ones stay for the retries and the
    sysadmin. Returns how many."""
    return (
        session.execute(
            delete(OutboxEmail)
            .where(OutboxEmail.status == EmailStatus.SENT, OutboxEmail.sent_at < clock.now() - retention)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
