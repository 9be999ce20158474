"""A person logs in with a real browser, finds their workbench, and logs out — on a desk and on a phone."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

DEMO_PASSWORD = "Demo@2026"


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_a_person_logs_in_sees_their_workbench_and_logs_out(page: Page, live_server):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\b"))
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    log_in(page, "lina")

    expect(page).to_have_url(f"{live_server}/")
    expect(page).to_have_title("我的工作台 · 夏邑县政务数据共享")
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()
    expect(page.get_by_text("李娜 · 县政务服务和大数据管理局")).to_be_visible()
    roles = page.locator("#my-roles")
    expect(roles).to_contain_text("县政务服务和大数据管理局")
    for label in ("协调员（县大数据局）", "目录管理员", "申请人", "审核人"):
        expect(roles.get_by_text(label, exact=True)).to_be_visible()
    expect(page.get_by_text("暂无待办任务。")).to_be_visible()

    page.get_by_role("button", name=re.compile("李娜")).click()
    page.get_by_role("button", name="退出登录").click()

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_contain_text("您已安全退出")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\b"))


def test_a_wrong_password_shows_the_reason_in_chinese(page: Page):
    page.goto("/login")
    log_in(page, "lina", "wrong-password")

    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    expect(page.get_by_label("用户名")).to_have_value("lina")
    expect(page.get_by_label("密码")).to_have_value("")
    expect(page.get_by_role("heading", name="我的工作台")).to_have_count(0)


def test_the_workbench_is_usable_on_a_phone(phone_page: Page, live_server):
    page = phone_page
    page.goto("/login")
    assert _fits_the_screen(page), "the login page scrolls sideways on a phone"
    log_in(page, "lina")
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()

    menu_button = page.get_by_role("button", name="展开菜单")
    expect(menu_button).to_be_visible()
    expect(page.get_by_role("link", name="我的工作台")).to_be_hidden()
    assert _fits_the_screen(page), "the workbench scrolls sideways on a phone"

    page.wait_for_load_state("load")  # the menu opens by script: on a busy machine a click can come before it runs
    menu_button.click()
    # Bootstrap animates the menu open; it has the class "show" once it is fully open.
    expect(page.locator("#mainNav")).to_have_class(re.compile(r"\bshow\b"))
    expect(menu_button).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="我的工作台")).to_be_in_viewport()
    expect(page.get_by_role("button", name=re.compile("李娜"))).to_be_visible()
    expect(page.get_by_role("link", name="审计日志")).to_be_visible()
    assert _fits_the_screen(page), "the opened menu scrolls sideways on a phone"


def test_pages_load_no_asset_from_the_internet(page: Page, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto("/login")
    log_in(page, "lina")
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()
    page.wait_for_load_state("networkidle")

    assert any(url.endswith("/static/vendor/bootstrap.min.css") for url in requested)
    assert any(url.endswith("/static/vendor/bootstrap.bundle.min.js") for url in requested)
    # data: URLs (Bootstrap's inline SVG icons) are part of the stylesheet, not fetched from anywhere.
    outside = [url for url in requested if not url.startswith(f"{live_server}/") and not url.startswith("data:")]
    assert outside == []

    navbar = page.locator("nav.navbar")
    expect(navbar).not_to_have_css("background-color", re.compile(r"^(transparent|rgba\(0, 0, 0, 0\))$"))


def _fits_the_screen(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
