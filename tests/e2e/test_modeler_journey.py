"""The browser modeler under the Content-Security-Policy: a modeler shortens the review period in the properties panel,
sees it in the confirmation, deploys, and moves a running case; a broken diagram never deploys."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Page, expect

from tests.e2e.pages import applied, log_in, log_out
from tests.helpers import BPMN_DIR
from workflows.engine import tasks
from workflows.models import ProcessVersion, TaskStatus

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def monday(processes, demo_catalog):
    """A week without holidays: 3 working days from Monday 2 March 2026 end on Thursday, 5 on the next Monday."""
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SH), tick=True):
        yield processes


def review_of(sessions, app_id: int):
    with sessions() as s:
        return next(
            t
            for t in tasks.case_tasks(s, "application", app_id)
            if t.task_key == "da_review" and t.status == TaskStatus.OPEN
        )


def open_review_settings(page: Page) -> None:
    page.goto("/processes/data_application/edit")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    page.locator("g[data-element-id=da_review]").click(position={"x": 30, "y": 20})
    expect(page.locator("#properties")).to_contain_text("审核申请")
    page.locator("#properties").get_by_text("办理设置").click()


def test_a_modeler_shortens_the_review_period_deploys_it_and_moves_a_running_case(page: Page, monday):
    older = applied(monday)
    assert review_of(monday, older).due_at == datetime(2026, 3, 9, 23, 59, 59, tzinfo=SH)
    log_in(page, "liuyang")
    open_review_settings(page)
    period = page.get_by_label("办理期限（工作日）")
    expect(period).to_have_value("5")
    period.fill("三天")
    expect(page.locator("[data-entry-id=xiayi-period]")).to_contain_text("应为 1 到 1000 之间的整数")
    period.fill("3")
    period.press("Tab")

    page.get_by_role("button", name="部署新版本…").click()
    dialog = page.locator("#deploy-modal")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#deploy-diff")).to_have_text("审核申请：期限 5 → 3 个工作日")
    expect(dialog.locator("#deploy-cases")).to_contain_text("第 1 版1 件1 件")
    dialog.get_by_role("button", name="确认部署").click()
    expect(dialog.locator("#deploy-error")).to_contain_text("请填写变更说明")
    dialog.get_by_label(re.compile("^变更说明")).fill("按新规定，审核期限由 5 个工作日改为 3 个工作日")
    dialog.get_by_role("button", name="确认部署").click()
    expect(page.locator("#modeler-result")).to_contain_text("已部署 数据共享申请 第 2 版")
    expect(page.locator("#current-version")).to_have_text("当前部署：第 2 版")

    newer = applied(monday)
    assert review_of(monday, newer).due_at == datetime(2026, 3, 5, 23, 59, 59, tzinfo=SH)
    assert review_of(monday, older).due_at == datetime(2026, 3, 9, 23, 59, 59, tzinfo=SH)

    kept = review_of(monday, older)
    page.get_by_role("link", name="迁移进行中的案件").click()
    row = page.locator(f"#case-{kept.instance_id}")
    expect(row).to_contain_text("可以迁移")
    expect(row).to_contain_text("“审核申请”到期 2026-03-09 23:59 → 2026-03-05 23:59")
    row.get_by_role("button", name="迁移此案件").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        re.compile(r"已把 1 个案件（SQ\d{10} 县民政局申请「.+」）迁移到第 2 版")
    )
    moved = review_of(monday, older)
    assert (moved.id, moved.spiff_task_id) == (kept.id, kept.spiff_task_id)
    assert moved.due_at == datetime(2026, 3, 5, 23, 59, 59, tzinfo=SH)

    log_out(page, "刘洋")
    log_in(page, "huangtao")
    page.goto(f"/tasks/{moved.id}")
    expect(page.locator("#case-diagram")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#case-diagram")).to_contain_text("提供单位审核")  # lanes read in Chinese


def test_a_deleted_flow_is_shown_on_the_diagram_and_never_deploys(page: Page, processes):
    log_in(page, "liuyang")
    page.goto("/processes/data_application/edit")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    flow = page.locator("g[data-element-id=da_f6]").bounding_box()  # the flow from 审核申请 to the decision
    page.mouse.click(flow["x"] + flow["width"] / 2, flow["y"] + flow["height"] / 2)
    expect(page.locator("#properties")).to_contain_text("顺序流")
    page.keyboard.press("Delete")
    expect(page.locator(".bjsl-button")).to_contain_text("处错误")  # our bpmnlint rules, while drawing
    page.get_by_role("button", name="部署新版本…").click()
    expect(page.locator("#modeler-result")).to_contain_text("未通过检查，不能部署")
    expect(page.locator("#modeler-result")).to_contain_text("“审核申请”之后无法到达任何结束事件")
    expect(page.locator("g[data-element-id=da_review].check-issue")).to_have_count(1)
    expect(page.locator("#deploy-modal")).not_to_be_visible()
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#modeler-result")).to_contain_text("草稿已保存")
    with processes() as s:
        assert s.query(ProcessVersion).filter_by(process_key="data_application").count() == 1


def test_a_user_without_the_modeler_role_cannot_open_the_modeler(page: Page, processes):
    log_in(page, "lina")
    page.goto("/processes/data_application/edit")
    expect(page.get_by_role("heading", name=re.compile("仅限以下角色访问：流程建模人员"))).to_be_visible()
    expect(page.get_by_text("错误代码 403")).to_be_visible()


def test_the_error_page_leads_back_to_the_previous_page(page: Page, live_server):
    log_in(page, "machao")
    page.goto("/catalog/resources/NO-SUCH-CODE")
    expect(page.get_by_role("heading", name=re.compile("不存在"))).to_be_visible()
    page.get_by_role("link", name="返回上一页").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()


def test_a_double_click_on_confirm_deploys_once_and_shows_the_success(page: Page, monday):
    log_in(page, "liuyang")
    open_review_settings(page)
    page.get_by_label("办理期限（工作日）").fill("3")
    page.get_by_label("办理期限（工作日）").press("Tab")
    page.get_by_role("button", name="部署新版本…").click()
    dialog = page.locator("#deploy-modal")
    dialog.get_by_label(re.compile("^变更说明")).fill("按新规定，审核期限由 5 个工作日改为 3 个工作日")
    dialog.get_by_role("button", name="确认部署").dblclick()
    expect(page.locator("#modeler-result")).to_contain_text("已部署 数据共享申请 第 2 版")
    expect(page.locator("#modeler-result")).not_to_contain_text("内容未变化")
    expect(page.locator("#current-version")).to_have_text("当前部署：第 2 版")
    with monday() as s:
        assert s.query(ProcessVersion).filter_by(process_key="data_application").count() == 2


def test_the_form_editor_explains_invalid_json_in_chinese_with_line_and_column(page: Page, monday):
    log_in(page, "liuyang")
    open_review_settings(page)
    page.locator("#form-edit-btn").click()
    editor = page.locator("#form-json")
    expect(editor).to_be_visible()
    editor.fill('{"title": "办理", "type": "object", bad}')
    expect(page.locator("#form-problems")).to_have_text(
        "第 1 行第 35 个字符附近：JSON 格式错误（此处应为用双引号括起的属性名或 “}”）"
    )


def selected_text(page: Page, label: str) -> str:
    return page.get_by_label(label, exact=True).evaluate("s => s.options[s.selectedIndex].text")


def test_the_properties_panel_names_data_fields_in_chinese(page: Page, processes):
    log_in(page, "liuyang")
    open_review_settings(page)
    assert selected_text(page, "期限起算字段") == "提供方收到申请的时刻"
    assert selected_text(page, "办理单位字段") == "提供单位"
    options = page.get_by_label("期限起算字段", exact=True).locator("option").all_text_contents()
    assert not [o for o in options if re.search(r"[a-z]_[a-z]", o)], options  # no received_at, valid_until …
    expect(page.locator("[data-entry-id=xiayi-period-start]")).to_contain_text("字段：received_at")  # small print


def test_a_diagram_exported_by_another_modeler_opens_without_its_extensions_and_deploys(page: Page, processes):
    log_in(page, "liuyang")
    page.goto("/processes/new")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    page.locator("#open-file").set_input_files(BPMN_DIR / "camunda_export.bpmn")
    dialog = page.locator("#open-modal")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#open-removed-list")).to_contain_text(
        "“填写申请”：属性 camunda:assignee、属性 camunda:candidateGroups"
    )
    expect(dialog.locator("#open-removed-list li")).to_have_count(6)
    dialog.get_by_role("button", name="取消").click()
    expect(page.locator("#modeler-result")).to_contain_text("未打开“camunda_export.bpmn”，建模器中的流程图未改变")
    expect(page.locator("g[data-element-id=ce_review]")).to_have_count(0)
    page.locator("#open-file").set_input_files(BPMN_DIR / "camunda_export.bpmn")
    dialog.get_by_role("button", name="删除这些扩展并打开").click()
    expect(page.locator("#modeler-result")).to_contain_text("已打开文件“camunda_export.bpmn”（流程 camunda_export）")
    expect(page.locator("g[data-element-id=ce_review]")).to_have_count(1)
    page.get_by_role("button", name="检查", exact=True).click()
    expect(page.locator("#modeler-result")).to_contain_text("检查通过")
    page.get_by_role("button", name="部署新版本…").click()
    deploy = page.locator("#deploy-modal")
    expect(deploy).to_be_visible()
    deploy.get_by_label(re.compile("^变更说明")).fill("从 Camunda Modeler 导入")
    deploy.get_by_role("button", name="确认部署").click()
    expect(page.locator("#modeler-result")).to_contain_text("已部署 外部导出的审核流程 第 1 版")
    with processes() as s:
        stored = s.query(ProcessVersion).filter_by(process_key="camunda_export").one().bpmn_xml
    assert "camunda:" not in stored and "xsi:schemaLocation" in stored and 'xml:lang="zh-CN"' in stored
