"""The sysadmin creates a person and gives a role; that person logs in with the one-time password and sets their own."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in, log_out
from tests.helpers import unit
from workflows.organisation import people
from workflows.organisation.scope import AdminScope


def test_a_new_person_logs_in_with_the_one_time_password_and_changes_it(page: Page, live_server):
    log_in(page, "chenjing")
    page.get_by_role("link", name="组织与人员").click()
    page.get_by_role("link", name="新建人员").click()
    page.get_by_label("用户名").fill("zhaoyun")
    page.get_by_label("姓名").fill("赵云")
    page.get_by_label("所在单位").select_option(label="县民政局")
    page.get_by_label("职务").fill("科员")
    page.get_by_role("button", name="创建并生成一次性密码").click()
    expect(page.get_by_role("heading", name=re.compile("已新建账号：赵云"))).to_be_visible()
    password = page.locator("#otp").inner_text().strip()

    page.get_by_role("link", name="查看人员").click()
    grant = page.locator("#role-grant")
    grant.get_by_label("单位").select_option(label="县民政局")
    grant.get_by_label("角色").select_option(label="申请人")
    grant.get_by_role("button", name="授予角色").click()
    expect(page.get_by_role("alert")).to_contain_text("角色已授予")
    expect(page.locator("#person-roles")).to_contain_text("县民政局 · 申请人")
    log_out(page, "陈静")

    page.get_by_label("用户名").fill("zhaoyun")
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/account/password$"))
    expect(page.locator("#forced-change")).to_be_visible()
    page.goto("/catalog/")  # nothing else opens before the change
    expect(page).to_have_url(re.compile(r"/account/password$"))

    page.get_by_label("一次性密码").fill(password)
    page.get_by_label("新密码", exact=True).fill("zhaoyun2026")
    page.get_by_label("再次输入新密码").fill("zhaoyun2026")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.locator("#form-errors")).to_contain_text("不能包含用户名")

    page.get_by_label("一次性密码").fill(password)
    page.get_by_label("新密码", exact=True).fill("Qiu-Shui7Lan")
    page.get_by_label("再次输入新密码").fill("Qiu-Shui7Lan")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_role("heading", name="我的工作台")).to_be_visible()
    expect(page.locator("#my-roles")).to_contain_text("申请人")
    log_out(page, "赵云")

    log_in(page, "zhaoyun", "Qiu-Shui7Lan")
    expect(page.get_by_text("赵云 · 县民政局")).to_be_visible()


LONG_USERNAME = "a" + "very.long.username-" * 3 + "x" * 6  # 64 characters, no place to break


def test_the_unit_page_and_the_people_list_fit_a_phone(phone_page: Page, committing_sessions):
    with committing_sessions.begin() as s:
        mzj = unit(s, "mzj").id
        people.create_person(
            s,
            AdminScope.command_line(),
            people.PersonInput(username=LONG_USERNAME, display_name="欧阳明月", unit_code="mzj"),
        )
    log_in(phone_page, "sunjie")
    phone_page.goto(f"/org/units/{mzj}")
    expect(phone_page.locator("#responsibles")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    phone_page.goto(f"/org/people?unit={mzj}")
    name = phone_page.locator("#people-table td").filter(has_text="欧阳明月")
    expect(name).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert name.locator("a").bounding_box()["height"] < 30  # the name on one line, not one character per line
    username = phone_page.locator("#people-table code").filter(has_text=LONG_USERNAME[:20])
    assert username.bounding_box()["width"] > 100  # the long username wraps over a few lines of many characters
    unit_cell = phone_page.locator("#people-table tr").filter(has_text="欧阳明月").locator("td").nth(2)
    assert unit_cell.bounding_box()["width"] > 50  # 县民政局 on one line
