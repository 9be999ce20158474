"""Data applications in a real browser: apply from the catalog, the provider reviews, the applicant reads the result."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.e2e.pages import fill_application, log_in, log_out
from tests.helpers import person
from workflows import clock
from workflows.engine import tasks
from workflows.models import TaskStatus
from workflows.sharing import applications

SPECIFIC_REASON = "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码"


def review_due(sessions) -> str:
    with sessions() as s:
        task = next(t for t in tasks.open_tasks(s, person(s, "huangtao")) if t.task_key == "da_review")
        return clock.fmt(task.due_at)


def approve_a_second_application(sessions) -> None:
    raw = {
        "resource_code": "XY-GA-001",
        "items": ["姓名"],
        "scenario": "临时救助对象身份核验（第二次申请）",
        "basis": "《社会救助暂行办法》第四十七条",
        "purpose": "核验临时救助对象身份",
        "frequency": "weekly",
        "valid_until": (clock.today() + timedelta(days=90)).isoformat(),
        "undertaking": True,
    }
    with sessions.begin() as s:
        app = applications.apply(s, person(s, "machao"), raw)
        review = next(t for t in tasks.case_tasks(s, "application", app.id) if t.status == TaskStatus.OPEN)
        tasks.complete(s, person(s, "huangtao"), review.id, {"decision": "approve"})


def test_an_applicant_applies_the_provider_rejects_with_a_specific_reason_and_the_applicant_reads_it(
    page: Page, processes, demo_catalog, tmp_path
):
    log_in(page, "machao")
    page.get_by_role("link", name="资源目录", exact=True).click()
    page.get_by_label("关键词（资源名称、摘要或代码）").fill("户籍")
    page.get_by_role("button", name="检索").click()
    page.get_by_role("link", name="户籍人口基本信息").click()
    page.get_by_role("link", name="申请使用").click()

    expect(page.get_by_role("heading", name="申请使用数据")).to_be_visible()
    expect(page.locator("#resource-card")).to_contain_text("仅限依法履职所需的身份核验")
    fill_application(page, ["姓名", "公民身份号码"], justification="核对家庭成员身份必须使用身份证号")
    page.get_by_role("button", name="提交申请").click()

    expect(page.locator("#app-status")).to_have_text("审核中")
    due = review_due(processes)
    expect(page.locator("#review-deadline")).to_contain_text(f"期限 {due}")
    expect(page.locator("#requested-items")).to_contain_text("公民身份号码（敏感）")
    log_out(page, "马超")

    log_in(page, "huangtao")
    page.get_by_role("link", name=re.compile(r"^待办")).click()
    task = page.locator("#open-task-list a").filter(has_text="审核申请")
    expect(task).to_contain_text(f"期限 {due}")
    task.click()
    expect(page.locator("#case-diagram")).to_have_attribute("data-rendered", "true")  # bpmn-js under the CSP
    concerns = page.locator(".form-field").filter(has_text="超出履职需要的信息项")
    expect(page.get_by_label("不通过类别")).to_be_hidden()  # asked for once 不通过 is chosen
    page.get_by_label("不通过", exact=True).check()
    expect(concerns).to_be_hidden()
    page.get_by_label("不通过类别").select_option(label="申请范围超出履职需要")
    expect(concerns).to_be_visible()  # the fact this category asks for
    page.get_by_label("理由").fill("不同意")
    page.get_by_role("button", name="提交").click()

    expect(page.locator("#task-errors")).to_contain_text("提交的内容有误")
    expect(page.locator("#task-errors")).to_contain_text("不是具体理由")
    expect(page.locator("#error-concerns")).to_contain_text("不通过类别为“申请范围超出履职需要”时必填")
    page.get_by_label("理由").fill(SPECIFIC_REASON)
    concerns.get_by_label("公民身份号码（敏感）").check()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert").first).to_contain_text("“审核申请”已办理")
    expect(page.locator("#app-status")).to_have_text("未通过")
    log_out(page, "黄涛")

    log_in(page, "machao")
    page.locator("#mainNav").get_by_role("link", name="申请", exact=True).click()
    page.locator("#application-list").get_by_role("link", name=re.compile(r"^SQ")).first.click()
    expect(page.locator("#app-status")).to_have_text("未通过")
    expect(page.locator("#decision")).to_contain_text(SPECIFIC_REASON)
    expect(page.locator("#decision")).to_contain_text("申请范围超出履职需要")
    expect(page.locator("#rejection-fact")).to_have_text("超出履职需要的信息项：公民身份号码")

    # A second application, approved, gives a record the applicant downloads.
    approve_a_second_application(processes)
    page.locator("#mainNav").get_by_role("link", name="申请", exact=True).click()
    rows = page.locator("#application-list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("已通过")
    rows.first.get_by_role("link", name=re.compile(r"^SQ")).click()
    with page.expect_download() as caught:
        page.get_by_role("link", name="下载审批记录（PDF）").click()
    assert re.fullmatch(r"审批记录-SQ\d+\.pdf", caught.value.suggested_filename)
    saved = tmp_path / "record.pdf"
    caught.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    # 无条件共享: granted the moment it is submitted.
    page.goto("/catalog/resources/XY-SJ-001")
    page.get_by_role("link", name="申请使用").click()
    fill_application(page, ["统一社会信用代码", "企业名称"])
    page.get_by_role("button", name="提交申请").click()
    expect(page.locator("#app-status")).to_have_text("已通过")
    expect(page.locator("#grant-status")).to_have_text("有效")
    expect(page.get_by_role("link", name="授权提供单")).to_be_visible()

    # The printable 授权提供单: its print button is bound by webapp/static/app.js, not an inline handler.
    page.add_init_script("window.printed = 0; window.print = function () { window.printed += 1; };")
    page.get_by_role("link", name="授权提供单").click()
    expect(page.get_by_role("heading", name="夏邑县政务数据共享授权提供单")).to_be_visible()
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printed") == 1


def test_a_double_click_on_submit_sends_one_application_and_going_back_and_resending_creates_none(
    page: Page, processes, demo_catalog
):
    log_in(page, "machao")
    page.goto("/applications/new?resource=XY-GA-001")
    fill_application(page, ["姓名", "公民身份号码"], justification="核对家庭成员身份必须使用身份证号")
    page.get_by_role("button", name="提交申请").dblclick()
    expect(page.get_by_role("alert").first).to_contain_text("已提交申请 SQ")
    page.go_back()
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_role("alert").first).to_contain_text("未重复提交")  # the form again, or the same application
    with processes() as s:
        assert len(applications.list_applications(s, person(s, "machao"))) == 1
