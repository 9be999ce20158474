"""Evidence files chosen in the objection's upload form but not uploaded are not lost by submitting the task."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in
from tests.workflows.objections.helpers import open_task, raise_, rejected_application, step


def test_submitting_the_supplement_with_chosen_files_not_uploaded_waits_and_says_what_to_do(
    page: Page, processes, demo_catalog, tmp_path
):
    objection_id = raise_(processes, application_id=rejected_application(processes))
    step(
        processes,
        objection_id,
        "ob_triage",
        "lina",
        {"decision": "ask_info", "info_request": "请补充驳回通知的截图和低保核对的文件依据"},
    )
    task_id = open_task(processes, objection_id, "ob_supplement").id
    scan = tmp_path / "驳回通知.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")

    log_in(page, "machao")
    page.goto(f"/tasks/{task_id}")
    page.locator("#evidence-files").set_input_files(str(scan))
    page.get_by_label("补充的材料和说明").fill("已补充驳回通知截图，低保核对文件见附件")
    page.get_by_role("button", name="提交").click()

    expect(page.locator("#evidence-pending")).to_contain_text("尚未上传：请先点击“上传”")
    assert page.url.endswith(f"/tasks/{task_id}")
    assert open_task(processes, objection_id, "ob_supplement").id == task_id  # the task was not sent
