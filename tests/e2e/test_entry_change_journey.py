"""不予共享 in a real browser: the keeper's switch without a named law is refused, with one it waits for the bureau;
the bureau confirms; the provider keeps one grant until expiry and revokes another; the grantee reads it on /grants."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in, log_out, open_task
from tests.helpers import BASIS, apply, decide

KEEP = "低保年度复核正在进行，复核结束前仍须核对户籍，届时不再续期"
REVOKE = "该单位的应用场景不属于居民身份证法允许提供的情形，立即停止提供"


def test_a_not_shared_switch_is_confirmed_and_the_provider_keeps_one_grant_and_revokes_another(
    page: Page, processes, demo_catalog
):
    for username in ("machao", "lina"):
        decide(processes, apply(processes, username), decision="approve")

    log_in(page, "huangtao")
    page.goto("/catalog/resources/XY-GA-001")
    page.get_by_role("link", name="修改").click()
    page.get_by_label("共享类型", exact=True).select_option(label="不予共享")
    expect(
        page.get_by_label("共享方式", exact=True)
    ).to_be_disabled()  # 不予共享 has no 共享方式: emptied for the clerk
    expect(page.get_by_label("共享方式", exact=True)).to_have_value("")
    page.get_by_label("共享条件/不予共享依据").fill("本单位领导研究决定暂缓共享该类数据资源")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#form-error")).to_contain_text("没有写明具体的法律、行政法规或政策文件")
    page.get_by_label("共享条件/不予共享依据").fill(BASIS)
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#pending-change")).to_contain_text("待县大数据局确认：改为不予共享")
    expect(page.locator(".badge").filter(has_text="有条件共享")).to_be_visible()  # nothing changed yet
    log_out(page, "黄涛")

    log_in(page, "wanglei")
    open_task(page, "确认目录条目变更")
    expect(page.locator("#case-preview")).to_contain_text("有效授权 2 项")
    page.get_by_label(re.compile(r"^确认：变更生效")).check()
    page.get_by_role("button", name="提交").click()
    expect(page.locator("#entry-change-status")).to_have_text("已生效")
    expect(page.locator("#affected-grants")).to_contain_text("待提供单位决定")
    log_out(page, "王磊")

    log_in(page, "huangtao")
    open_task(page, "处理受影响的授权")
    civil = page.locator(".affected-grant").filter(has_text="县民政局")
    civil.get_by_label(re.compile(r"^保留至到期")).check()
    civil.get_by_label("理由（县民政局）").fill(KEEP)
    civil.get_by_role("button", name=re.compile("保存")).click()
    expect(page.locator(".affected-grant").filter(has_text="县民政局")).to_contain_text("提供单位决定保留至")
    bureau = page.locator(".affected-grant").filter(has_text="县政务服务和大数据管理局")
    bureau.get_by_label("撤销授权").check()
    bureau.get_by_label("理由（县大数据局）").fill(REVOKE)
    bureau.get_by_role("button", name=re.compile("保存")).click()
    expect(page.get_by_text("受影响的授权已全部处理，任务已办结")).to_be_visible()
    table = page.locator("#affected-grants")
    expect(table.locator("tr").filter(has_text="县民政局")).to_contain_text("保留至到期")
    expect(table.locator("tr").filter(has_text="县大数据局")).to_contain_text("已撤销")
    log_out(page, "黄涛")

    log_in(page, "machao")
    page.goto("/grants")
    expect(page.locator(".grant-change").first).to_contain_text("提供单位决定保留至 2027-02-13")
