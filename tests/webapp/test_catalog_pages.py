"""Catalog pages: search with facets, entry detail, and the keeper's form that never loses input."""

import re

import pytest

from tests.helpers import csrf_token, login, text_of

FORM = {
    "name": "养犬登记信息",
    "summary": "犬只登记",
    "category_class": "departmental",
    "format": "database",
    "share_type": "conditional",
    "share_condition": "仅用于执法",
    "share_method": "api",
    "open_type": "not_open",
    "update_cycle": "daily",
    "sensitivity": "general",
    "item_name": ["犬主姓名", "芯片号"],
    "item_type": ["string", "string"],
    "item_length": ["50", "20"],
    "item_sensitive": ["no", "no"],
}


def test_the_search_page_finds_by_keyword_and_shows_facet_counts(client, demo_catalog):
    login(client, "machao")
    page = client.get("/catalog/?q=户籍").get_data(as_text=True)
    assert "户籍人口基本信息" in page and "婚姻登记信息" not in page
    assert "有条件共享（1）" in page


def test_a_bad_filter_on_the_page_explains_in_plain_chinese_and_shows_no_results(client, demo_catalog):
    login(client, "machao")
    response = client.get("/catalog/?share_type=maybe")
    page = response.get_data(as_text=True)
    assert response.status_code == 422  # as the public catalog answers the same query
    assert "共享类型：“maybe”不是可选的值，请从列表中选择（可选：无条件共享、有条件共享、不予共享）" in page
    assert "share_type" not in page.split('id="catalog-search"')[0] and "unconditional（" not in page
    assert "户籍人口基本信息" not in page and "查询条件有误，未检索" in page


@pytest.mark.parametrize(
    "path, message, listed",
    [
        ("/catalog/?q=" + "户" * 51, "关键词：不能超过 50 个字（现有 51 个字）", "户籍人口基本信息"),
        (
            "/catalog/?q=户籍&per_page=abc",
            "每页条数：应为 1 到 100 之间的整数（半角数字），现为“abc”",
            "户籍人口基本信息",
        ),
        (
            "/catalog/interfaces?min_calls=abc",
            "月调用次数下限：应为 0 到 2147483647 之间的整数（半角数字），现为“abc”",
            "<td><code>",
        ),
        ("/catalog/interfaces?object_class=alien", "对象分类：“alien”不是可选的值", "<td><code>"),
        ("/catalog/interfaces?sort=zzz", "排序：“zzz”不是可选的值", "<td><code>"),
    ],
)
def test_an_invalid_search_shows_the_error_by_field_name_and_no_results(client, demo_catalog, path, message, listed):
    login(client, "machao")
    page = client.get(path).get_data(as_text=True)
    assert message in page and "查询条件有误，未检索" in page
    assert listed not in page and "参数 " not in page


def test_the_detail_page_shows_metadata_items_and_no_edit_button_for_other_units(client, demo_catalog):
    login(client, "machao")
    page = client.get("/catalog/resources/XY-GA-001").get_data(as_text=True)
    assert "公民身份号码" in page and "仅限依法履职所需" in page and "修改</a>" not in page


def test_a_keeper_saves_a_draft_publishes_it_and_sees_the_history(client, demo_catalog):
    login(client, "huangtao")
    token = csrf_token(client, "/catalog/new")
    response = client.post("/catalog/new", data=FORM | {"csrf_token": token})
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[-1]
    client.post(f"/catalog/resources/{code}/publish", data={"csrf_token": token})
    page = client.get(f"/catalog/resources/{code}").get_data(as_text=True)
    assert "已发布" in page and "第 2 版 · 发布" in page and "黄涛" in page


def test_a_rejected_form_keeps_everything_typed_and_names_the_problem(client, demo_catalog):
    login(client, "huangtao")
    token = csrf_token(client, "/catalog/new")
    response = client.post("/catalog/new", data=FORM | {"share_condition": "", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "有条件共享的资源必须填写共享条件" in page
    assert 'value="养犬登记信息"' in page and 'value="芯片号"' in page


def test_a_person_without_the_keeper_role_cannot_open_the_form(client, demo_catalog):
    login(client, "machao")
    assert client.get("/catalog/new").status_code == 403
    assert client.get("/catalog/resources/XY-GA-001/edit").status_code == 403


def test_the_interface_page_sorts_by_usage(client, demo_catalog):
    login(client, "machao")
    page = client.get("/catalog/interfaces?sort=-monthly_calls").get_data(as_text=True)
    assert page.index("264,000") < page.index("153,400")


def test_a_catalog_change_dated_years_ago_is_refused_on_the_page_and_opens_no_task(client, ready):
    login(client, "huangtao")
    form = {
        "csrf_token": csrf_token(client, "/catalog/changes"),
        "unit_id": "",
        "kind": "law_revision",
        "description": "《居民身份证法》修订，新增电子证照信息项",
        "effective_on": "2020-01-01",
    }
    page = client.get("/catalog/changes").get_data(as_text=True)
    form["unit_id"] = re.search(r'<option value="(\d+)"[^>]*>县公安局', page).group(1)
    answer = client.post("/catalog/changes", data=form)
    assert answer.status_code == 422
    assert "生效日期：2020-01-01 早于一年前，请核对年份" in answer.get_data(as_text=True)
    assert "更新目录" not in client.get("/tasks/").get_data(as_text=True)


def test_an_applicant_viewing_their_own_units_entry_is_told_no_application_is_needed(client, ready):
    login(client, "machao")  # 县民政局
    own = client.get("/catalog/resources/XY-MZ-001").get_data(as_text=True)
    assert "本单位数据，无需申请" in own and "申请使用</a>" not in own
    other = client.get("/catalog/resources/XY-GA-001").get_data(as_text=True)
    assert "申请使用</a>" in other and "本单位数据，无需申请" not in other
    form = client.get("/applications/new?resource=XY-MZ-001")
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and "本单位数据，无需申请" in page and 'name="purpose"' not in page
    assert 'name="purpose"' in client.get("/applications/new?resource=XY-GA-001").get_data(as_text=True)


def test_a_related_code_that_is_not_in_the_catalog_is_refused_under_its_field(client, demo_catalog):
    login(client, "huangtao")
    token = csrf_token(client, "/catalog/new")
    response = client.post("/catalog/new", data=FORM | {"related_codes": "xy-ga-001；XY-NOPE-999", "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "“XY-NOPE-999”在目录中不存在，请核对资源代码" in page
    assert "“xy-ga-001”在目录中不存在" not in page  # the existing code, in any case, is no problem
    saved = client.post("/catalog/new", data=FORM | {"related_codes": "xy-ga-001", "csrf_token": token})
    assert saved.status_code == 302
    assert "XY-GA-001" in client.get(saved.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    "username, forms",
    [
        ("machao", set()),  # another unit's applicant: neither form, not even hidden
        ("huangtao", {"retire-form"}),  # the provider's catalog keeper
        ("wanglei", {"return-form"}),  # a coordinator of the county data bureau
    ],
)
def test_the_entry_page_carries_the_retire_and_return_forms_only_for_those_who_may_use_them(
    client, demo_catalog, username, forms
):
    login(client, username)
    page = client.get("/catalog/resources/XY-GA-001").get_data(as_text=True)
    assert {form for form in ("retire-form", "return-form") if f'id="{form}"' in page} == forms
    assert ("/catalog/resources/XY-GA-001/retire" in page) == ("retire-form" in forms)


def test_a_keyword_pasted_with_spaces_or_in_full_width_finds_what_it_names(client, demo_catalog):
    login(client, "machao")
    for typed in ("户 籍", "ＸＹ-ＧＡ-001", " 户籍人口 "):
        found = text_of(client.get("/catalog/", query_string={"q": typed}))
        assert "户籍人口基本信息" in found, typed
