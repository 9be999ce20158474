"""Steps the browser journeys share."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from tests.helpers import PROTECTION, another_case, person
from workflows import clock
from workflows.demo import DEMO_PASSWORD
from workflows.sharing import applications, opinions

SCAN = b"%PDF-1.4\n% a scanned acceptance notice\n"
OPINION = "申请材料齐全，依据充分，同意按勾选的信息项提供"


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


# --- cases the journeys start from ----------------------------------------------------------------------------


def applied(sessions) -> int:
    raw = {
        "resource_code": "XY-GA-001",
        "items": ["姓名"],
        "scenario": "临时救助对象身份核验",
        "basis": "《社会救助暂行办法》第四十七条",
        "purpose": "核验临时救助对象身份",
        "frequency": "weekly",
        "valid_until": (clock.today() + timedelta(days=90)).isoformat(),
        "undertaking": True,
    }
    with sessions.begin() as s:
        return applications.apply(s, person(s, "machao"), another_case(s, "machao", raw)).id


def submitted_with_attachment(sessions) -> int:
    raw = {
        "resource_code": "XY-GA-001",
        "items": ["姓名", "公民身份号码", "户籍地址"],
        "scenario": "最低生活保障家庭经济状况核对中核验申请人户籍",
        "basis": "《社会救助暂行办法》第十一条",
        "purpose": "核验低保申请人及家庭成员户籍",
        "frequency": "daily",
        "valid_until": (clock.today() + timedelta(days=300)).isoformat(),
        "undertaking": True,
        "sensitive_justification": "核对家庭成员身份必须使用身份证号",
        "data_protection": PROTECTION,
    }
    with sessions.begin() as s:
        machao = person(s, "machao")
        app = applications.save_draft(s, machao, machao.unit_id, raw)
        applications.add_attachment(s, machao, app.id, "低保受理通知书.pdf", "application/pdf", SCAN)
        applications.submit(s, machao, app.id)
        opinions.add(s, person(s, "huangtao"), OPINION)
        return app.id


def fill_application(page: Page, items: list[str], justification: str = "") -> None:
    """Everything a complete application needs, chosen by the labels people read."""
    for item in items:
        page.get_by_label(item).check()
    if justification:
        page.get_by_label(re.compile(r"^敏感信息项使用理由")).fill(justification)
    page.get_by_label(re.compile(r"^应用场景")).fill("最低生活保障家庭经济状况核对中核验申请人户籍")
    page.get_by_label(re.compile(r"^法律或政策依据")).fill("《社会救助暂行办法》第十一条")
    page.get_by_label(re.compile(r"^用途")).fill("核验低保申请人及家庭成员户籍")
    page.get_by_label(re.compile(r"^预计调用频次")).select_option(label="每日")
    page.get_by_label(re.compile(r"^有效期至")).fill((clock.today() + timedelta(days=365)).isoformat())
    page.get_by_label(re.compile("谁使用谁负责")).check()
    page.get_by_label(re.compile(r"^存放位置")).fill(PROTECTION["storage"])
    page.get_by_label(re.compile(r"^知悉范围")).fill(PROTECTION["access"])
    page.get_by_label(re.compile(r"^销毁期限和方式")).fill(PROTECTION["disposal"])
