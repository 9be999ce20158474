"""一次性告知 in a real browser: the provider returns an application once with a list of what is missing, the applicant
answers each item on the 补正 page (attaching the missing file there), and the provider reads each answer beside its
item and can then only approve or reject."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in, log_out
from tests.helpers import person
from workflows import clock
from workflows.sharing import applications

MISSING = "1. 请补充低保申请受理通知书扫描件\n2. 请说明核对对象的范围和预计人数"
NOTICE = "已上传低保申请受理通知书扫描件（见附件）"
SCOPE = "核对对象为申请人及其共同生活的家庭成员，约 3 人"
SCAN = b"%PDF-1.4\n% a scanned acceptance notice\n"


def an_application_in_review(sessions) -> str:
    raw = {
        "resource_code": "XY-GA-001",
        "items": ["姓名", "公民身份号码"],
        "scenario": "最低生活保障家庭经济状况核对中核验申请人户籍",
        "basis": "《社会救助暂行办法》第十一条",
        "purpose": "核验低保申请人及家庭成员户籍",
        "frequency": "daily",
        "valid_until": (clock.today() + timedelta(days=365)).isoformat(),
        "undertaking": True,
        "sensitive_justification": "核对家庭成员身份必须使用身份证号",
    }
    with sessions.begin() as s:
        return applications.apply(s, person(s, "machao"), raw).number


def open_review(page: Page) -> None:
    page.get_by_role("link", name=re.compile(r"^待办")).click()
    page.locator("#open-task-list a").filter(has_text="审核申请").first.click()
    expect(page.locator("#task-form")).to_be_visible()


def test_an_application_is_returned_once_resubmitted_and_then_only_approved_or_rejected(
    page: Page, processes, demo_catalog
):
    number = an_application_in_review(processes)

    log_in(page, "huangtao")
    open_review(page)
    page.get_by_label("退回补正（暂停计时）").check()
    page.get_by_label("理由").fill("无")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#task-errors")).to_contain_text("套话")  # a return must list what is missing
    page.get_by_label("退回补正（暂停计时）").check()
    page.get_by_label("理由").fill(MISSING)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#app-status")).to_have_text("退回补正")
    log_out(page, "黄涛")

    log_in(page, "machao")
    page.locator("#mainNav").get_by_role("link", name="申请", exact=True).click()
    page.locator("#application-list").get_by_role("link", name=number).click()
    expect(page.locator("body")).to_contain_text("请说明核对对象的范围和预计人数")  # the list reached the applicant
    page.get_by_role("link", name="去办理：补正后重新提交").click()
    expect(page.get_by_role("link", name="修改申请内容")).to_be_visible()
    first, second = page.get_by_label(re.compile(r"^第 1 项")), page.get_by_label(re.compile(r"^第 2 项"))
    expect(first).to_be_visible()
    expect(second).to_be_visible()
    first.fill("已补充")  # says nothing of what was done
    second.fill(SCOPE)
    page.get_by_label("补充附件").set_input_files(
        files=[{"name": "低保受理通知书.pdf", "mimeType": "application/pdf", "buffer": SCAN}]
    )
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#error-answers-1")).to_contain_text("套话")
    expect(page.locator("#kept-attachments")).to_contain_text("已上传：低保受理通知书.pdf")  # kept, not chosen again
    expect(second).to_have_value(SCOPE)  # what was typed stays
    first.fill(NOTICE)
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#app-status")).to_have_text("审核中")
    expect(page.locator("#attachments")).to_contain_text("低保受理通知书.pdf")
    expect(page.locator("#review-deadline")).to_contain_text("剩余 5 个工作日")  # a new full period
    log_out(page, "马超")

    log_in(page, "huangtao")
    open_review(page)
    answers = page.locator("#case-rounds .resubmit-answers")
    expect(answers).to_contain_text("请补充低保申请受理通知书扫描件")
    expect(answers).to_contain_text(f"答复：{NOTICE}")
    expect(page.locator("#case-rounds .resubmit-files")).to_contain_text("低保受理通知书.pdf")
    expect(page.get_by_label("通过（同时授权平台提供数据）")).to_be_visible()
    expect(page.get_by_label("不通过", exact=True)).to_be_visible()
    expect(page.get_by_label("退回补正（暂停计时）")).to_have_count(0)  # no second return
    page.get_by_label("通过（同时授权平台提供数据）").check()
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#app-status")).to_have_text("已通过")
