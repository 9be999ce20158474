"""Without an account, on a phone: from the login page to a shared entry's info items, and the policy and help pages,
with nothing to scroll sideways."""

from __future__ import annotations

from playwright.sync_api import Page, expect

PHONE_WIDTH = 390


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_visitor_on_a_phone_finds_a_shared_entry_without_logging_in(phone_page: Page, demo_catalog):
    phone_page.goto("/login")
    phone_page.get_by_role("link", name="无需登录查看资源目录").click()
    expect(phone_page.get_by_role("heading", name="政务数据资源目录（公开）")).to_be_visible()
    phone_page.get_by_label("关键词（资源名称、摘要或代码）").fill("户籍")
    phone_page.get_by_role("button", name="检索").click()
    found = phone_page.get_by_role("link", name="户籍人口基本信息")
    expect(found).to_be_visible()  # the results page has loaded: measured, not the page being left
    assert fits(phone_page), "the search page scrolls sideways"
    found.click()
    expect(phone_page.locator("#info-items")).to_contain_text("公民身份号码")
    expect(phone_page.locator("#how-to-apply")).to_contain_text("登录")
    assert fits(phone_page), "the entry page scrolls sideways"


def test_the_policy_and_help_pages_read_on_a_phone(phone_page: Page):
    phone_page.goto("/login")
    phone_page.locator("#site-footer").get_by_role("link", name="政策依据").click()
    expect(phone_page.locator("#policy")).to_contain_text("夏“放管服”组办〔2021〕12号")
    assert fits(phone_page), "the policy page scrolls sideways"
    phone_page.locator("#nav-help").click()
    expect(phone_page.locator("#roles")).to_contain_text("目录管理员")
    expect(phone_page.locator("#contact")).to_contain_text("联系电话")
    assert fits(phone_page), "the help page scrolls sideways"
