"""督导考核统计 in a real browser: every chart is drawn (as SVG) with no error, on a laptop and on a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in
from tests.helpers import apply, decide


@pytest.mark.parametrize("who, width", [("lina", 1280), ("huangtao", 390)])  # the bureau on a laptop, a unit on a phone
def test_the_dashboard_draws_every_chart_without_an_error(new_context, processes, demo_catalog, who, width):
    decide(processes, apply(processes), decision="approve")
    page: Page = new_context(viewport={"width": width, "height": 844}).new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, who)
    page.get_by_role("link", name="统计图表").click()
    expect(page.get_by_role("heading", name="督导考核统计")).to_be_visible()
    charts = page.locator("[data-chart]")
    expect(charts).to_have_count(7)  # trend, overdue, applied for, calls, scenarios, ranking, quality
    for index in range(7):
        expect(charts.nth(index).locator("svg")).to_have_count(1)
    trend = page.locator("#chart-trend")
    trend.get_by_text("数据表").click()
    expect(trend.locator("table")).to_contain_text("提交申请")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing to scroll sideways
    if who == "lina":  # the bureau opens the diagram coloured by how long each step takes
        page.get_by_role("link", name="流程瓶颈图").click()
        expect(page.locator("#heat-diagram[data-rendered=true]")).to_have_count(1)
        expect(
            page.locator("#heat-diagram .heat-cool, #heat-diagram .heat-warm, #heat-diagram .heat-hot")
        ).not_to_have_count(0)
    assert errors == []
