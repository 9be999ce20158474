"""The objection lists on a phone: number, status and deadline in view, type and units on readable lines."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in
from tests.helpers import person
from workflows.objections import cases

FACTS = "县公安局共享接口多次中断，影响低保核对业务的开展"


@pytest.mark.parametrize(
    "who, path, table",
    [("machao", "/objections/", "#objection-list"), ("lina", "/objections/board", "#objection-board")],
)
def test_the_objection_list_and_board_fit_a_phone(phone_page: Page, processes, demo_catalog, who, path, table):
    with processes.begin() as s:
        cases.raise_objection(
            s,
            person(s, "machao"),
            {"type": "catalog_correction", "resource_code": "XY-GA-001", "facts": FACTS, "request": "请督促修复"},
        )
    log_in(phone_page, who)
    phone_page.goto(path)
    row = phone_page.locator(f"{table} tbody tr").first
    status = row.locator(".badge").first
    expect(status).to_be_visible()
    box = status.bounding_box()
    assert box["x"] + box["width"] <= 390, "the status is off-screen"
    line = row.locator(".objection-phone-line")
    expect(line).to_contain_text("数据目录纠错 · 县民政局 → 县公安局")
    assert line.bounding_box()["height"] < 45, "type and units one character per line"
    assert row.locator("td").last.bounding_box()["x"] < 390, "the last column is off-screen"
