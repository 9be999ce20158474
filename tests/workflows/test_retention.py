"""The periodic pass forgets what only serves for a while, once its time is past, and keeps everything else."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

import notifications
from notifications import inapp
from notifications.email import SmtpSettings
from tests.helpers import at, person, run_command
from workflows import operations
from workflows.models import AuditEvent, EmailStatus, LoginFailure, Notification, OutboxEmail, PendingUpload
from workflows.organisation import login_throttle
from workflows.sharing import uploads

DAY = timedelta(days=1)
RETENTION = operations.Retention(login_failures=DAY, read_notifications=DAY, sent_emails=DAY)
SCAN = "%PDF-1.4\n 扫描件".encode()


class MailServer:
    """A real SMTP server that refuses one address, so that mail to it stays in the queue."""

    refused = "wanglei@xiayi.gov.example"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


@pytest.fixture
def smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(MailServer(), hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpSettings(host="127.0.0.1", port=port)
    controller.stop()


def _a_day_of_work(sessions, smtp, moment: str, tag: str) -> None:
    """At `moment`: a login alert to three people (chenjing reads it, lina does not, wanglei's mail bounces), a
    failed login, and a file kept from a refused form; then the pass delivers the mail."""
    with at(moment):
        with sessions.begin() as s:
            people = [person(s, name) for name in ("chenjing", "lina", "wanglei")]
            notifications.send(s, people, "login_ceiling", {"username": tag, "failures": 100, "addresses": 3})
            inapp.mark_read(s, people[0].id)
            login_throttle.record_failure(s, tag, "10.0.0.9", login_throttle.LoginPolicy())
            uploads.stash(s, person(s, "machao"), [uploads.Chosen(f"{tag}.pdf", "application/pdf", SCAN)])
        operations.run_once(sessions, smtp, RETENTION)


def _left(sessions) -> dict:
    with sessions() as s:
        return {
            "read": sorted(
                n.subject[-22:]
                for n in s.scalars(
                    select(Notification).where(
                        Notification.read_at.is_not(None), Notification.template == "login_ceiling"
                    )
                )
            ),
            "unread": s.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.read_at.is_(None), Notification.template == "login_ceiling")
            ),
            "sent": s.scalar(
                select(func.count()).select_from(OutboxEmail).where(OutboxEmail.status == EmailStatus.SENT)
            ),
            "unsent": s.scalar(
                select(func.count()).select_from(OutboxEmail).where(OutboxEmail.status != EmailStatus.SENT)
            ),
            "failures": sorted(s.scalars(select(LoginFailure.username))),
            "uploads": sorted(s.scalars(select(PendingUpload.filename))),
            "audit": s.scalar(select(func.count()).select_from(AuditEvent)),
        }


def test_retention_deletes_only_what_is_past_its_time_and_keeps_the_rest(sessions, smtp):
    _a_day_of_work(sessions, smtp, "2026-03-02T10:00:00", "morning")
    _a_day_of_work(sessions, smtp, "2026-03-02T12:00:00", "noon")
    before = _left(sessions)
    assert before["sent"] == 4 and before["unsent"] == 2 and before["unread"] == 4
    assert before["failures"] == ["morning", "noon"] and before["uploads"] == ["morning.pdf", "noon.pdf"]

    with at("2026-03-03T09:59:00"):  # nothing is a day old yet
        result = operations.run_once(sessions, smtp, RETENTION)
    assert _left(sessions) == before
    assert (
        result.notifications_purged,
        result.emails_purged,
        result.login_failures_purged,
        result.pending_uploads_purged,
    ) == (0, 0, 0, 0)

    with at("2026-03-03T11:00:00"):  # the morning's are past a day, the noon's are not
        result = operations.run_once(sessions, smtp, RETENTION)
    after = _left(sessions)
    assert len(after["read"]) == 1 and "noon" in after["read"][0]
    assert after["sent"] == 2 and after["failures"] == ["noon"] and after["uploads"] == ["noon.pdf"]
    assert after["unread"] == before["unread"] and after["unsent"] == before["unsent"]  # unread and unsent stay
    assert after["audit"] >= before["audit"]  # the audit trail is never deleted
    assert (
        result.notifications_purged,
        result.emails_purged,
        result.login_failures_purged,
        result.pending_uploads_purged,
    ) == (1, 2, 1, 1)

    with at("2026-04-30T12:00:00"):  # long after: unread messages and undelivered mail are still there
        operations.run_once(sessions, smtp, RETENTION)
    last = _left(sessions)
    assert last["read"] == [] and last["sent"] == 0 and last["failures"] == [] and last["uploads"] == []
    assert last["unread"] == before["unread"] and last["unsent"] == before["unsent"]


def test_the_retention_settings_reach_the_periodic_pass(app, sessions, smtp, monkeypatch):
    _a_day_of_work(sessions, smtp, "2026-03-02T10:00:00", "morning")
    monkeypatch.setitem(app.config, "NOTIFICATION_RETENTION_DAYS", 30)
    monkeypatch.setitem(app.config, "SENT_EMAIL_RETENTION_DAYS", 10)
    ten_days = run_command(app, "tick", "--now", "2026-03-12T10:30:00+08:00").output
    assert "已读消息 0 条" in ten_days and "已发送邮件 2 封" in ten_days
    thirty_days = run_command(app, "tick", "--now", "2026-04-01T10:30:00+08:00").output
    assert "已读消息 1 条" in thirty_days
