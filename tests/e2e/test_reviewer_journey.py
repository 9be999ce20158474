"""The reviewer decides from the task page alone, and a refused application form keeps its attachment."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.pages import OPINION, SCAN, fill_application, log_in, submitted_with_attachment
from workflows.engine import tasks
from workflows.models import TaskStatus
from workflows.sharing import grants


def test_the_reviewer_narrows_the_items_inserts_an_opinion_and_approves_from_the_task_page(
    page: Page, processes, demo_catalog
):
    app_id = submitted_with_attachment(processes)
    page.set_viewport_size({"width": 1366, "height": 800})
    log_in(page, "huangtao")
    page.get_by_role("link", name=re.compile(r"^待办")).click()
    task = page.locator("#open-task-list a").filter(has_text="县民政局申请「户籍人口基本信息」")
    expect(task).to_contain_text(re.compile(r"SQ\d{10}"))
    task.click()

    case = page.locator("#case-application")
    expect(case).to_contain_text("最低生活保障家庭经济状况核对中核验申请人户籍")
    expect(case).to_contain_text("《社会救助暂行办法》第十一条")
    expect(page.locator("#case-justification")).to_contain_text("核对家庭成员身份必须使用身份证号")
    expect(page.locator("#case-items")).to_contain_text("公民身份号码 敏感")
    expect(page.locator("#case-attachments")).to_contain_text("低保受理通知书.pdf")
    expect(page.locator("#deadline-rule")).to_contain_text("催办")
    page.locator("#case-attachments summary").click()  # the PDF shows inside the page, under its own strict policy
    expect(page.locator("#case-attachments iframe")).to_be_visible()
    diagram = page.locator("#case-diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    before = diagram.locator(".viewport").first.get_attribute("transform")
    page.get_by_role("button", name="放大").click()
    expect(diagram.locator(".viewport").first).not_to_have_attribute("transform", before or "")
    form, facts = page.locator("#task-form").bounding_box(), case.bounding_box()
    assert form["x"] > facts["x"] + facts["width"] - 5  # side by side on a laptop

    granted = page.locator(".form-field").filter(has_text="同意提供的信息项")
    for item in ("姓名", "公民身份号码（敏感）", "户籍地址（敏感）"):
        expect(granted.get_by_label(item, exact=True)).to_be_checked()
    granted.get_by_label("户籍地址（敏感）", exact=True).uncheck()
    page.get_by_label(re.compile(r"^通过")).check()
    page.locator(".opinion-insert").filter(has_text=OPINION[:10]).click()
    expect(page.get_by_label("理由")).to_have_value(OPINION)
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("alert").first).to_contain_text("“审核申请”已办理")
    expect(page.locator("#app-status")).to_have_text("已通过")
    with processes() as s:
        assert grants.for_application(s, app_id).items == ["姓名", "公民身份号码"]
        review = next(t for t in tasks.case_tasks(s, "application", app_id) if t.status == TaskStatus.COMPLETED)
        assert review.result["reason"] == OPINION


def test_the_task_page_stacks_the_case_above_the_decision_on_a_phone(phone_page: Page, processes, demo_catalog):
    submitted_with_attachment(processes)
    log_in(phone_page, "huangtao")
    phone_page.goto("/tasks/")
    phone_page.locator("#open-task-list a").first.click()
    case, form = phone_page.locator("#case-application").bounding_box(), phone_page.locator("#task-form").bounding_box()
    assert form["y"] > case["y"] + case["height"] - 5
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_refused_application_keeps_the_chosen_attachment(page: Page, processes, demo_catalog):
    log_in(page, "machao")
    page.goto("/applications/new?resource=XY-GA-001")
    fill_application(page, ["姓名"])
    page.get_by_label(re.compile(r"^应用场景")).fill("")
    page.get_by_label("附件").set_input_files(
        files=[{"name": "受理通知书.pdf", "mimeType": "application/pdf", "buffer": SCAN}]
    )
    page.get_by_role("button", name="提交申请").click()

    expect(page.locator("#kept-attachments")).to_contain_text("已上传：受理通知书.pdf（可移除")
    expect(page.get_by_role("alert").first).to_contain_text("无需重新选择")
    page.get_by_label(re.compile(r"^应用场景")).fill("最低生活保障家庭经济状况核对中核验申请人户籍")
    page.get_by_role("button", name="提交申请").click()

    expect(page.locator("#app-status")).to_have_text("审核中")
    expect(page.get_by_role("link", name="受理通知书.pdf")).to_be_visible()
