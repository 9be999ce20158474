"""In Chromium: a long 常用意见 is refused naming the limit (never cut while pasting), and a returned application drops
a wrong attachment after a confirmation."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in, submitted_with_attachment
from tests.helpers import person
from workflows.engine import tasks
from workflows.models import OpinionTemplate, TaskStatus


def test_a_600_character_opinion_is_refused_with_the_limit_and_not_saved_cut(page: Page, processes, demo_catalog):
    log_in(page, "sunhong")
    page.goto("/tasks/opinions")
    page.locator("#opinion-text").fill("请补充材料" * 120)
    page.get_by_role("button", name="保存常用意见").click()

    expect(page.locator("#opinion-errors")).to_contain_text("意见内容：不能超过 500 个字（现有 600 个字）")
    with processes() as s:
        assert s.query(OpinionTemplate).filter(OpinionTemplate.person_id == person(s, "sunhong").id).count() == 0


def test_a_returned_application_removes_its_wrong_attachment_after_confirming(page: Page, processes, demo_catalog):
    app_id = submitted_with_attachment(processes)
    with processes.begin() as s:
        review = next(
            t
            for t in tasks.case_tasks(s, "application", app_id)
            if t.task_key == "da_review" and t.status == TaskStatus.OPEN
        )
        tasks.complete(
            s, person(s, "huangtao"), review.id, {"decision": "return", "reason": "所附受理通知书不是本案的，请更换"}
        )
    log_in(page, "machao")
    page.goto(f"/applications/{app_id}/edit")
    page.locator("#saved-attachments").get_by_role("link", name=re.compile("移除")).click()

    expect(page.locator("#remove-question")).to_contain_text("低保受理通知书.pdf")
    page.get_by_role("button", name="确认移除").click()

    expect(page.get_by_text("已移除附件“低保受理通知书.pdf”")).to_be_visible()
    expect(page.locator("#saved-attachments")).to_have_count(0)
