"""The browser modeler and the error page work under the Content-Security-Policy (no inline script anywhere)."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in


def test_a_modeler_opens_a_deployed_process_and_checks_it(page: Page, processes):
    log_in(page, "liuyang")
    page.goto("/processes/data_application/edit")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "true")
    expect(page.locator("#modeler .djs-container")).to_be_visible()
    page.get_by_role("button", name="检查").click()
    expect(page.locator("#modeler-result")).to_contain_text("检查通过")


def test_the_error_page_leads_back_to_the_previous_page(page: Page, live_server):
    log_in(page, "machao")
    page.goto("/catalog/resources/NO-SUCH-CODE")
    expect(page.get_by_role("heading", name=re.compile("不存在"))).to_be_visible()
    page.get_by_role("link", name="返回上一页").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()
