"""The diagram viewer and the modeler still draw a version's XML now that it is served as a plain-text download."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.pages import applied, log_in
from tests.helpers import person
from workflows.objections import cases


def test_the_applicant_sees_the_case_diagram_with_the_current_step(page: Page, processes, demo_catalog):
    app_id = applied(processes)
    log_in(page, "machao")
    page.goto(f"/applications/{app_id}")
    diagram = page.locator("#case-diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    expect(diagram.locator(".step-active")).not_to_have_count(0)
    expect(page.locator("#diagram-status")).to_contain_text("审核申请")


def test_the_modeler_opens_the_latest_version_and_what_bpmn_js_writes_back_passes_the_check(page: Page, processes):
    log_in(page, "liuyang")
    page.goto("/processes/data_application/edit")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    expect(page.locator("#modeler .djs-element").first).to_be_visible()
    page.get_by_role("button", name="检查", exact=True).click()
    expect(page.locator("#modeler-result")).to_have_text("检查通过：8 条路径全部通过，可以部署。")


def test_the_wide_objection_diagram_is_shown_at_a_readable_scale_around_the_current_step(
    page: Page, processes, demo_catalog
):
    with processes.begin() as s:
        objection = cases.raise_objection(
            s,
            person(s, "machao"),
            {"type": "other", "facts": "县公安局共享接口多次中断，影响低保核对业务的开展", "request": "请督促修复"},
        )
        objection_id = objection.id
    log_in(page, "wanglei")
    page.goto(f"/objections/{objection_id}")
    diagram = page.locator("#case-diagram")
    expect(diagram).to_have_attribute("data-rendered", "true")
    expect(diagram).to_have_attribute("data-partial", "true")
    scale = page.evaluate(
        "() => parseFloat(document.querySelector('#case-diagram .viewport')"
        ".getAttribute('transform').match(/matrix\\(([0-9.]+)/)[1])"
    )
    assert scale >= 0.6  # task names read at about 7 px or more, not 4
    active = diagram.locator(".step-active").first
    expect(active).to_be_visible()
    box, frame = active.bounding_box(), diagram.bounding_box()
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]  # the step is in view
    expect(page.locator(".diagram-partial")).to_be_visible()
