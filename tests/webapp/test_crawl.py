"""Every page as every role: follow each link a person is shown, breadth-first from the workbench.

No page may answer 5xx, no link shown may lead to 403 or 404 (a button is shown only to those who may use it),
and no page may show an internal code or a Python value where people read.
"""

from __future__ import annotations

import email
import email.policy
import re
import socket
import subprocess
from collections import deque
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from notifications.email import SmtpSettings, deliver_pending
from tests import scenarios
from tests.helpers import login
from tests.vendor_helpers import VENDOR_PASSWORD, make_vendor
from workflows.models import ApprovalRecord
from workflows.sharing import records

ROLES = {
    "applicant": "machao",
    "reviewer": "huangtao",
    "unit_admin": "sunjie",
    "coordinator": "wanglei",
    "modeler": "liuyang",
    "sysadmin": "chenjing",
    "township": "baixue",
    "first_responsible": "wugang",
    "vendor": "wanggong",
    "anonymous": None,
}
DOWNLOADS = (".pdf", ".csv", ".xlsx", ".bpmn", "/attachments/")
MAX_VARIANTS = 3  # filter links of one page: a few combinations say enough
MAX_PAGES = 400
# Python values and internal codes that must never reach a reader (role ids, decision and status codes).
LEAKS = re.compile(
    r"\bNone\b|\bTrue\b|\bFalse\b|\[\s*'|\{\s*'|Traceback|\b(applicant|reviewer|unit_admin|coordinator"
    r"|modeler|sysadmin|approve|reject|in_review|not_shared|conditional|unconditional|scope_exceeds"
    r"|no_basis|catalog_change|data_application|demand_coordination|catalog_update|entry_change"
    r"|affected_grants|none_affected|remove_items|chinesecalendar|effect_rating)\b"
    r"|(案件|申请|任务|需求|事项) ?#\d"
)


class Page(HTMLParser):
    """The links of a page and the text a person reads (scripts, styles and attribute values excluded)."""

    def __init__(self):
        super().__init__()
        self.links, self.text, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def _target(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or href.startswith("/static/"):
        return None
    if parts.path == "/logout" or parts.path.endswith(DOWNLOADS) or "/attachments/" in parts.path:
        return None
    query = urlencode(sorted(parse_qsl(parts.query)))
    return parts.path + (f"?{query}" if query else "")


def crawl(client, starts: list[str]) -> tuple[list[str], int]:
    """Breadth-first over same-site links; returns the problems found and how many pages were read."""
    problems, seen, variants = [], set(), {}
    queue = deque((start, "(start)") for start in starts)
    while queue and len(seen) < MAX_PAGES:
        path, source = queue.popleft()
        if path in seen:
            continue
        base = path.split("?")[0]
        if "?" in path and variants.get(base, 0) >= MAX_VARIANTS:
            continue
        variants[base] = variants.get(base, 0) + ("?" in path)
        seen.add(path)
        answer = client.get(path, follow_redirects=True)
        if answer.status_code >= 400:
            problems.append(f"{path} (linked from {source}) answered {answer.status_code}")
            continue
        if "text/html" not in answer.content_type:
            continue
        page = Page()
        page.feed(answer.get_data(as_text=True))
        text = " ".join(" ".join(page.text).split())
        for leak in sorted({m.group(0) for m in LEAKS.finditer(text)}):
            at = text.find(leak)
            problems.append(f"{path} shows “{leak}”: …{text[max(at - 40, 0):at + 40]}…")
        for href in page.links:
            found = _target(href)
            if found and found not in seen:
                queue.append((found, path))
    return problems, len(seen)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_a_role_can_reach_answers_and_reads_in_chinese(role, app, processes, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_RATE_LIMIT", 10_000)  # the crawl reads every public page in one minute
    county = scenarios.build(processes)
    client = app.test_client()
    username = ROLES[role]
    starts = ["/"] + [f"/verify/{sha}" for sha in county.records[:2]] * (role != "vendor")
    with scenarios.at("2026-03-02T10:00:00"):
        if role == "vendor":  # 县民政局's system vendor, password chosen and 保密承诺 signed
            make_vendor(processes)
            assert login(client, username, VENDOR_PASSWORD).status_code == 302
        elif username:
            assert login(client, username).status_code == 302
        problems, pages = crawl(client, starts)
    assert pages >= 30  # anonymous: the login page, the public catalog, policy, help and public verification pages
    assert problems == []


class _Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _leaks(where: str, text: str) -> list[str]:
    text = " ".join(text.split())
    found = []
    for leak in sorted({m.group(0) for m in LEAKS.finditer(text)}):
        at = text.find(leak)
        found.append(f"{where} shows “{leak}”: …{text[max(at - 40, 0):at + 40]}…")
    return found


def test_every_email_sent_and_every_record_pdf_reads_in_chinese(processes, tmp_path):
    """What leaves the system is read too: the emails (through a real SMTP server) and the record PDFs."""
    county = scenarios.build(processes)
    mailbox = _Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sent, failed = deliver_pending(
            processes, SmtpSettings(host="127.0.0.1", port=port, sender="noreply@xiayi.test")
        )
    finally:
        controller.stop()
    assert failed == 0 and sent == len(mailbox.messages) >= 10
    problems = []
    for message in mailbox.messages:
        body = message.get_body(("plain",)).get_content()
        problems += _leaks(f"email “{message['Subject']}”", f"{message['Subject']} {body}")
    assert any("督办" in m["Subject"] for m in mailbox.messages) and any(
        "催办" in m["Subject"] for m in mailbox.messages
    )
    named = re.compile(
        r"SQ20\d{8} \S+申请「|的共享需求「|目录更新「|YY2026\d{6} \S+(对 \S+」\S*提出\S|提出异议「)"
        r"|」(改为不予共享|停用条目|删除信息项)"
    )
    assert [
        m["Subject"]
        for m in mailbox.messages
        if m["Subject"].startswith(("【待办】", "【催办】", "【督办】")) and not named.search(m["Subject"])
    ] == []
    with processes() as s:
        found = list(s.scalars(select(ApprovalRecord)))
        pdfs = [(r.sha256, records.pdf_for(s, r)) for r in found]
    assert len(pdfs) == len(county.records) >= 3
    for sha, pdf in pdfs:
        path = tmp_path / f"{sha[:8]}.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "夏邑县政务数据共享审批记录" in text
        problems += _leaks(f"record {sha[:8]}", text)
    assert problems == []
