"""An objection in a real browser: raised from a rejected application, handled by the county data bureau and the
provider, the review reopened and approved, the raiser rates the handling."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in, log_out, open_task
from tests.helpers import MISSING_BASIS, apply, decide, person
from workflows import clock
from workflows.objections import cases
from workflows.models import Application

REASON = "申请用途与所列法律依据不对应，缺少低保核对的授权文件"
FACTS = "审核意见认为依据不足，但《社会救助暂行办法》第十一条明确要求核对申请人户籍"


def test_an_objection_against_a_rejection_is_followed_to_its_end(page: Page, processes, demo_catalog):
    app_id = apply(processes)
    decide(
        processes, app_id, decision="reject", rejection_category="no_basis", reason=REASON, missing_basis=MISSING_BASIS
    )

    log_in(page, "machao")
    page.goto(f"/applications/{app_id}")
    expect(page.locator("#app-status")).to_have_text("未通过")
    page.locator("#raise-objection").click()
    expect(page.get_by_label("类型")).to_have_value("application_dispute")
    with processes() as s:
        number = s.get(Application, app_id).number
    expect(page.get_by_label("所涉申请（申请编号）")).to_have_value(number)
    page.get_by_label("事实和理由").fill(FACTS)
    page.get_by_label("请求事项").fill("请县大数据局协调县公安局重新审核")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#objection-status")).to_have_text("已提交")
    expect(page.locator("#case-diagram")).to_have_attribute("data-rendered", "true")
    log_out(page, "马超")

    log_in(page, "lina")
    open_task(page, "受理审查")
    page.get_by_label("受理（标记所涉对象并转办）").check()
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#objection-status")).to_have_text("已受理")
    page.get_by_role("link", name="去办理：转办答复单位").click()
    page.get_by_label("县公安局", exact=True).check()
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#objection-status")).to_have_text("已转办")
    log_out(page, "李娜")

    log_in(page, "huangtao")
    page.goto(f"/applications/{app_id}")
    expect(page.locator(".objection-flag")).to_have_text("存在异议")
    open_task(page, "答复异议")
    page.get_by_label("认可异议请求", exact=True).check()
    page.get_by_label("答复意见").fill("同意重新审核，请申请单位补充授权文件")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#answers")).to_contain_text("认可异议请求")
    log_out(page, "黄涛")

    log_in(page, "lina")
    open_task(page, "研究处理意见")
    page.get_by_label("意见一致，记录处理结果").check()
    page.get_by_label("异议成立", exact=True).check()
    page.get_by_label("处理意见").fill("申请依据充分，由县公安局重新审核并说明具体理由")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#objection-status")).to_have_text("已办结")
    expect(page.locator("#objection-effect")).to_contain_text("重新审核")
    log_out(page, "李娜")

    log_in(page, "huangtao")
    open_task(page, "审核申请")
    page.get_by_label(re.compile(r"^通过")).check()
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#app-status")).to_have_text("已通过")
    log_out(page, "黄涛")

    log_in(page, "machao")
    page.get_by_role("link", name="异议纠错").click()
    page.locator("#objection-list a").first.click()
    page.get_by_role("link", name="去办理：评价处理结果").click()
    page.get_by_label("5 非常满意").check()
    page.get_by_label("评价意见").fill("协调及时，问题已解决")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#objection-status")).to_have_text("已评价")
    expect(page.locator("#rating")).to_contain_text("5 分")
    expect(page.locator("#record-pdf")).to_be_visible()


def test_the_objection_pages_fit_a_phone(phone_page: Page, processes, demo_catalog):
    app_id = apply(processes)
    decide(
        processes, app_id, decision="reject", rejection_category="no_basis", reason=REASON, missing_basis=MISSING_BASIS
    )
    page = phone_page
    log_in(page, "machao")
    page.goto(f"/objections/new?application={app_id}")
    assert _fits(page), "the raise form scrolls sideways on a phone"
    page.get_by_label("事实和理由").fill(FACTS)
    page.get_by_label("请求事项").fill("请县大数据局协调县公安局重新审核")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#objection-status")).to_have_text("已提交")
    assert _fits(page), "the case page scrolls sideways on a phone"
    page.goto("/objections/")
    assert _fits(page), "my objections scroll sideways on a phone"
    log_out_on_phone(page)
    log_in(page, "lina")
    for path in ("/objections/board", "/objections/statistics"):
        page.goto(path)
        assert _fits(page), f"{path} scrolls sideways on a phone"


def log_out_on_phone(page: Page) -> None:
    page.context.clear_cookies()


def _fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_referral_is_decided_by_the_county_government_and_the_provider_carries_it_out(
    page: Page, processes, demo_catalog, tmp_path
):
    """The provider disagrees: the bureau cannot record agreement, refers the case, records the county government's
    decision with its document, and the provider's reviewer reads it on the review page and approves."""
    app_id = apply(processes)
    decide(
        processes, app_id, decision="reject", rejection_category="no_basis", reason=REASON, missing_basis=MISSING_BASIS
    )
    with processes.begin() as s:
        cases.raise_objection(
            s,
            person(s, "machao"),
            {"type": "application_dispute", "facts": FACTS, "request": "请协调县公安局共享", "application_id": app_id},
        )
    log_in(page, "wanglei")
    open_task(page, "受理审查")
    page.get_by_label("受理（标记所涉对象并转办）").check()
    page.get_by_role("button", name="提交").click()
    page.get_by_role("link", name="去办理：转办答复单位").click()
    page.get_by_label("县公安局", exact=True).check()
    page.get_by_role("button", name="提交").click()
    log_out(page, "王磊")

    log_in(page, "huangtao")
    open_task(page, "答复异议")
    page.get_by_label("不认可异议请求", exact=True).check()
    page.get_by_label("答复意见").fill("依据仍不充分，维持不予通过的决定")
    page.get_by_role("button", name="提交").click()
    log_out(page, "黄涛")

    log_in(page, "wanglei")
    open_task(page, "研究处理意见")
    page.get_by_label("意见一致，记录处理结果").check()
    page.get_by_label("异议成立", exact=True).check()
    page.get_by_label("处理意见").fill("低保核对属于法定职责，《社会救助暂行办法》第十一条授权核对户籍")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#task-errors")).to_contain_text("不能记录为意见一致")
    page.get_by_label("提请县政府数据共享工作领导小组").check()
    page.get_by_role("button", name="提交").click()
    page.get_by_role("link", name="去办理：提请县政府领导小组").click()
    page.get_by_label("提请文件（文号和主要内容）").fill("夏数据〔2026〕3号 关于提请研究户籍数据共享争议的请示")
    page.get_by_label("提请日期").fill(clock.today().isoformat())
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#objection-status")).to_have_text("已提请县政府")
    page.get_by_role("link", name="去办理：记录县政府决定").click()
    decision = tmp_path / "夏政文〔2026〕12号.pdf"
    decision.write_bytes(b"%PDF-1.4 county decision")
    page.get_by_label("决定文号").fill("夏政文〔2026〕12号")
    page.get_by_label("决定日期").fill(clock.today().isoformat())
    page.get_by_label("决定内容").fill("低保核对属于法定职责，县公安局应按申请共享户籍人口信息。")
    page.get_by_label(re.compile("^异议成立，按决定办理")).check()
    page.get_by_role("button", name="提交").click()  # without its document: refused, nothing typed is lost
    expect(page.locator("#task-errors")).to_contain_text("请选择县政府决定文件")
    expect(page.get_by_label("决定文号")).to_have_value("夏政文〔2026〕12号")
    page.get_by_label("县政府决定文件").set_input_files(str(decision))
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#government-decision")).to_contain_text("夏政文〔2026〕12号.pdf")
    log_out(page, "王磊")

    log_in(page, "huangtao")
    open_task(page, "审核申请")
    expect(page.locator("#case-government-note")).to_contain_text("依据县政府决定重新启动")
    expect(page.locator("#case-government")).to_contain_text("夏政文〔2026〕12号.pdf")
    expect(page.get_by_label("退回补正（暂停计时）")).to_have_count(0)
    page.get_by_label("通过（同时授权平台提供数据）").check()
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#app-status")).to_have_text("已通过")
