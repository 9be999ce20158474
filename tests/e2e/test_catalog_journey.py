"""The resource catalog in a real browser: a unit's keeper publishes an entry, others find it and filter."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.pages import log_in, log_out
from tests.helpers import person, unit
from workflows.catalog import entries

NEW_NAME = "养犬登记信息"
SHARE_CONDITION = "仅限依法履职所需的犬只管理和投诉核查，须填报具体应用场景"


def open_new_entry_form(page: Page) -> None:
    page.get_by_role("link", name="资源目录", exact=True).click()
    expect(page.get_by_role("heading", name="政务数据资源目录")).to_be_visible()
    page.get_by_role("link", name="本单位目录").click()
    expect(page.get_by_role("heading", name="本单位目录")).to_be_visible()
    page.get_by_role("link", name="新建条目").click()
    expect(page.get_by_role("heading", name="新建目录条目")).to_be_visible()


def fill_entry(page: Page, *, share_condition: str) -> None:
    """Everything of a complete 有条件共享 entry, chosen by the labels people read."""
    expect(page.get_by_label("提供单位").locator("option:checked")).to_have_text("县公安局")
    page.get_by_label("资源名称", exact=True).fill(NEW_NAME)
    page.get_by_label("资源摘要", exact=True).fill("本县城区养犬登记、年检和注销信息")
    page.get_by_label("资源分类", exact=True).select_option(label="部门")
    page.get_by_label("资源格式", exact=True).select_option(label="数据库")
    page.get_by_label("更新周期", exact=True).select_option(label="每日")
    page.get_by_label("数据分级", exact=True).select_option(label="一般")
    page.get_by_label("共享类型", exact=True).select_option(label="有条件共享")
    page.get_by_label("共享方式", exact=True).select_option(label="接口")
    page.get_by_label("开放类型", exact=True).select_option(label="不予开放")
    page.get_by_label("共享条件").fill(share_condition)

    names, types = page.get_by_label("信息项名称", exact=True), page.get_by_label("数据类型", exact=True)
    lengths, sensitive = page.get_by_label("长度", exact=True), page.get_by_label("是否敏感", exact=True)
    names.nth(0).fill("犬主姓名")
    types.nth(0).select_option(label="字符型")
    lengths.nth(0).fill("50")
    sensitive.nth(0).select_option(label="是")

    rows_before = names.count()
    page.get_by_role("button", name="添加一行").click()
    expect(names).to_have_count(rows_before + 1)
    last = rows_before  # the row just added
    expect(names.nth(last)).to_have_value("")
    names.nth(last).fill("登记日期")
    types.nth(last).select_option(label="日期型")


def test_a_unit_admin_publishes_an_entry_and_a_user_of_another_unit_finds_it_by_keyword(page: Page, demo_catalog):
    log_in(page, "huangtao")
    open_new_entry_form(page)
    fill_entry(page, share_condition=SHARE_CONDITION)
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("heading", name=NEW_NAME)).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("已保存草稿")
    expect(page.locator("#entry-status")).to_have_text("草稿")
    page.get_by_role("button", name="发布").click()

    expect(page.get_by_role("alert")).to_contain_text("已发布，全县各单位均可检索到此条目")
    expect(page.locator("#entry-status")).to_have_text("已发布")
    expect(page.get_by_role("button", name="发布")).to_have_count(0)
    history = page.locator("#history > li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("发布")
    expect(history.nth(0)).to_contain_text("黄涛")
    expect(history.nth(1)).to_contain_text("新建")
    expect(history.nth(1)).to_contain_text("黄涛")
    log_out(page, "黄涛")

    log_in(page, "machao")
    page.get_by_role("link", name="资源目录", exact=True).click()
    expect(page.locator("#result-total")).to_have_text("42")  # the 41 demo entries and the new one
    page.get_by_label("关键词（资源名称、摘要或代码）").fill("养犬")
    page.get_by_role("button", name="检索").click()

    expect(page.locator("#result-total")).to_have_text("1")
    expect(page.get_by_label("关键词（资源名称、摘要或代码）")).to_have_value("养犬")
    row = page.locator("#catalog-results tbody tr").filter(has=page.get_by_role("link", name=NEW_NAME))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("县公安局")
    expect(row).to_contain_text("有条件共享")
    row.get_by_role("link", name=NEW_NAME).click()

    expect(page.get_by_role("heading", name=NEW_NAME)).to_be_visible()
    expect(page.get_by_text(SHARE_CONDITION)).to_be_visible()
    items = page.locator("#info-items tbody tr")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text("犬主姓名")
    expect(items.nth(0)).to_contain_text("字符型")
    expect(items.nth(0)).to_contain_text("敏感")
    expect(items.nth(1)).to_contain_text("登记日期")
    expect(items.nth(1)).to_contain_text("日期型")
    # Someone of another unit reads the entry but cannot change it.
    expect(page.get_by_role("link", name="修改")).to_have_count(0)
    expect(page.get_by_role("button", name="发布")).to_have_count(0)


def test_a_form_with_a_missing_share_condition_keeps_what_was_typed(page: Page):
    log_in(page, "huangtao")
    open_new_entry_form(page)
    fill_entry(page, share_condition="")
    page.get_by_role("button", name="保存").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("未保存")
    expect(alert).to_contain_text("有条件共享的资源必须填写共享条件")
    # …and again right under the field that needs it.
    expect(page.locator(".invalid-feedback", has_text="有条件共享的资源必须填写共享条件")).to_be_visible()
    expect(page.get_by_label("共享条件")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.get_by_label("资源名称", exact=True)).to_have_value(NEW_NAME)
    expect(page.get_by_label("共享类型", exact=True).locator("option:checked")).to_have_text("有条件共享")
    expect(page.get_by_label("共享方式", exact=True).locator("option:checked")).to_have_text("接口")
    names = page.get_by_label("信息项名称", exact=True)
    expect(names.nth(0)).to_have_value("犬主姓名")
    expect(names.nth(1)).to_have_value("登记日期")
    expect(page.get_by_label("长度", exact=True).nth(0)).to_have_value("50")
    expect(page.get_by_label("数据类型", exact=True).nth(1).locator("option:checked")).to_have_text("日期型")
    expect(page.get_by_label("是否敏感", exact=True).nth(0).locator("option:checked")).to_have_text("是")

    # Nothing was saved: the unit's list is still empty.
    page.get_by_role("link", name="取消").click()
    expect(page.locator("#unit-entries")).to_contain_text("本单位还没有目录条目。")


def _publish_a_conditional_market_entry(sessions) -> None:
    """All demo entries of 县市场监管局 are 无条件共享; one 有条件共享 entry lets the share filter bite."""
    with sessions.begin() as session:
        keeper, scj = person(session, "zhenghui"), unit(session, "scj")
        raw = {
            "name": "特种设备检验检测信息",
            "summary": "电梯、锅炉等特种设备定期检验结果",
            "category_class": "departmental",
            "format": "database",
            "share_type": "conditional",
            "share_condition": "仅限安全监管和应急处置使用",
            "share_method": "api",
            "open_type": "not_open",
            "update_cycle": "monthly",
            "sensitivity": "general",
        }
        items = [{"name": "设备注册代码", "data_type": "string", "length": "30", "sensitive": "no"}]
        entry = entries.create_resource(session, keeper, scj.id, raw, items)
        entries.publish(session, keeper, entry.id)


def test_filters_combine_on_the_search_page(page: Page, demo_catalog):
    _publish_a_conditional_market_entry(demo_catalog)
    log_in(page, "machao")
    page.get_by_role("link", name="资源目录", exact=True).click()
    expect(page.get_by_role("heading", name="政务数据资源目录")).to_be_visible()
    share_type = page.get_by_label("共享类型", exact=True)
    unconditional = share_type.locator("option", has_text="无条件共享")
    all_unconditional = int(re.search(r"（(\d+)）", unconditional.inner_text()).group(1))

    share_type.select_option(value=unconditional.get_attribute("value"))
    page.get_by_label("单位名称关键词").fill("市场")
    page.get_by_role("button", name="检索").click()

    # The page comes back with both filters still chosen.
    expect(page).to_have_url(re.compile(r"[?&]share_type=unconditional(&|$)"))
    expect(page.get_by_label("单位名称关键词")).to_have_value("市场")
    expect(share_type.locator("option:checked")).to_contain_text("无条件共享")

    rows = page.locator("#catalog-results tbody tr")
    expect(rows.first).to_contain_text("县市场监管局")
    total = int(page.locator("#result-total").inner_text())
    assert 0 < total < min(all_unconditional, 20)
    expect(rows).to_have_count(total)
    for i in range(total):
        expect(rows.nth(i)).to_contain_text("无条件共享")
        expect(rows.nth(i)).to_contain_text("县市场监管局")
    expect(page.get_by_role("link", name="特种设备检验检测信息")).to_have_count(0)
