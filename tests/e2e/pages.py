"""Steps the browser journeys share."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from workflows.demo import DEMO_PASSWORD


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()


def log_out(page: Page, display_name: str) -> None:
    page.wait_for_load_state("load")  # the menu opens by script: on a busy machine a click can come before it runs
    page.get_by_role("button", name=re.compile(display_name)).click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("alert")).to_contain_text("您已安全退出")


def open_task(page: Page, name: str) -> None:
    """From the navbar's 待办, the first open task of that name."""
    page.get_by_role("link", name=re.compile(r"^待办")).click()
    page.locator("#open-task-list a").filter(has_text=name).first.click()
