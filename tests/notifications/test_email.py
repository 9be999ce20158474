"""Email goes through a real SMTP server; when it cannot be reached the user's action still succeeds."""

import email
import email.policy
import re
import socket
from datetime import datetime

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import select

from notifications.email import SmtpSettings, deliver_pending
from tests.helpers import SH, person
from workflows import operations
from workflows.models import EmailStatus, Notification, OutboxEmail
from workflows.sharing import applications

APPLICATION = {
    "resource_code": "XY-GA-001",
    "items": ["姓名"],
    "scenario": "最低生活保障家庭经济状况核对",
    "basis": "《社会救助暂行办法》",
    "purpose": "核验户籍",
    "frequency": "daily",
    "valid_until": "2027-02-13",
    "undertaking": True,
}


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, SmtpSettings(host="127.0.0.1", port=port, sender="noreply@xiayi.gov.example")
    controller.stop()


def submit(sessions):
    with time_machine.travel(datetime(2026, 2, 13, 10, tzinfo=SH), tick=False), sessions.begin() as s:
        applications.apply(s, person(s, "machao"), APPLICATION)


def test_the_reviewer_gets_an_email_with_a_chinese_subject_for_a_new_task(processes, demo_catalog, smtp):
    inbox, settings = smtp
    submit(processes)
    sent, failed = deliver_pending(processes, settings)
    assert failed == 0 and sent >= 1
    to_reviewer = [m for rcpt, m in inbox.messages if rcpt == ["huangtao@xiayi.gov.example"]]
    assert to_reviewer and to_reviewer[0]["Subject"].startswith("【待办】审核申请")
    body = to_reviewer[0].get_body(("plain",)).get_content()
    named = re.compile(r"SQ2026\d{6} 县民政局申请「户籍人口基本信息」")
    assert named.search(to_reviewer[0]["Subject"]) and named.search(body) and "案件 #" not in body
    with processes() as s:
        assert s.scalar(select(OutboxEmail).where(OutboxEmail.status == EmailStatus.PENDING)) is None


def test_an_unreachable_mail_server_never_fails_the_action_and_the_sweep_retries(processes, demo_catalog, smtp):
    inbox, settings = smtp
    down = SmtpSettings(host="127.0.0.1", port=free_port())
    submit(processes)
    with time_machine.travel(datetime(2026, 2, 13, 10, 1, tzinfo=SH), tick=False):
        assert deliver_pending(processes, down) == (0, 2)
    with processes() as s:
        pending = s.scalars(select(OutboxEmail)).all()
        assert {e.status for e in pending} == {EmailStatus.PENDING} and all(e.attempts == 1 for e in pending)
        assert "无法连接邮件服务器" in pending[0].last_error
        inbox_rows = s.scalars(select(Notification).where(Notification.person_id == person(s, "huangtao").id)).all()
        assert inbox_rows  # the in-app inbox works without email
    with time_machine.travel(datetime(2026, 2, 13, 10, 2, tzinfo=SH), tick=False):
        assert deliver_pending(processes, settings) == (0, 0)  # not yet due again: backoff
    with time_machine.travel(datetime(2026, 2, 13, 10, 10, tzinfo=SH), tick=False):
        result = operations.run_once(processes, settings)
    assert result.emails_sent == 2 and len(inbox.messages) == 2


def test_email_is_off_without_smtp_settings_and_the_inbox_still_works(processes, demo_catalog):
    submit(processes)
    assert deliver_pending(processes, SmtpSettings()) == (0, 0)
    with processes() as s:
        assert s.scalar(select(Notification).where(Notification.subject.startswith("【待办】"))) is not None
