"""The objection form in a real browser: only the object field the chosen type needs is shown."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in
from tests.helpers import apply, decide
from workflows.models import Application

FACTS = "使用单位将户籍数据用于授权场景以外的招商统计，违反使用承诺"
FIELDS = {"application_number": "所涉申请", "resource_code": "所涉目录条目代码", "grant_number": "所涉授权"}
NEEDS = {
    "数据目录纠错": ["resource_code"],
    "资源申请异议": ["application_number"],
    "数据使用异议": ["grant_number"],
    "数据质量异议": ["resource_code"],
    "其他": ["application_number", "resource_code", "grant_number"],
}


def test_the_form_shows_only_the_object_field_of_the_chosen_type(page: Page, processes, demo_catalog):
    log_in(page, "machao")
    page.goto("/objections/new")
    for label, shown in NEEDS.items():
        page.get_by_label("类型").select_option(label=label)
        for name in FIELDS:
            field = page.locator(f"#{name}")
            if name in shown:
                expect(field).to_be_visible()
                expect(field).to_be_enabled()
            else:
                expect(field).to_be_hidden()
        optional = page.locator(".object-optional:visible")
        expect(optional).to_have_count(3 if label == "其他" else 0)


def test_a_number_typed_before_the_type_changed_is_not_sent_with_the_form(page: Page, processes, demo_catalog):
    app_id, other_id = apply(processes), apply(processes)
    decide(processes, app_id, decision="approve")
    with processes() as s:
        number, other = s.get(Application, app_id).number, s.get(Application, other_id).number
    log_in(page, "huangtao")  # the provider disputes how its data is used
    page.goto("/objections/new")
    page.get_by_label("类型").select_option(label="资源申请异议")
    page.locator("#application_number").fill(other)  # the server refuses two objects that do not belong together
    page.get_by_label("类型").select_option(label="数据使用异议")
    page.locator("#grant_number").fill(number)
    page.get_by_label("事实和理由").fill(FACTS)
    page.get_by_label("请求事项").fill("请核实并撤销授权")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#objection-status")).to_have_text("已提交")
    expect(page.get_by_text(f"授权：{number}「户籍人口基本信息」")).to_be_visible()
