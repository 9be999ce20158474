"""The catalog and interface search API: Chinese substrings, combined filters, facets, clear 4xx."""

import pytest

from workflows.organisation import accounts


@pytest.fixture
def api(client, demo_catalog):
    with demo_catalog.begin() as s:
        token = accounts.create_token(s, "machao")

    def get(path, **params):
        return client.get(path, query_string=params, headers={"Authorization": f"Bearer {token}"})

    return get


def names(response):
    return [i["name"] for i in response.get_json()["items"]]


@pytest.mark.parametrize(
    "q, expected",
    [
        ("户籍", "户籍人口基本信息"),  # two characters: the LIKE path
        ("户籍人口", "户籍人口基本信息"),  # four characters: the text index
        ("婚", "婚姻登记信息"),  # one character
        ("身份和户籍登记", "户籍人口基本信息"),  # a substring of the summary
    ],
)
def test_a_chinese_keyword_finds_resources_by_substring(api, q, expected):
    assert expected in names(api("/api/v1/catalog/resources", q=q))


def test_each_item_carries_codes_and_chinese_labels(api):
    item = api("/api/v1/catalog/resources", q="户籍人口").get_json()["items"][0]
    assert (item["code"], item["provider_unit"]) == ("XY-GA-001", "县公安局")
    assert (item["share_type"], item["share_type_label"]) == ("conditional", "有条件共享")


def test_filters_combine_and_facets_count_the_matches(api):
    body = api("/api/v1/catalog/resources", unit="公安", share_type="conditional").get_json()
    assert body["total"] == 3 and all(i["provider_unit"] == "县公安局" for i in body["items"])
    share = {f["value"]: f["count"] for f in body["facets"]["share_type"]}
    assert share["conditional"] == 3 and share["not_shared"] == 1  # the other choices stay visible
    opened = {f["value"]: f["count"] for f in body["facets"]["open_type"]}
    assert sum(opened.values()) == 3  # other facets count within the filtered result
    everything = api("/api/v1/catalog/resources", per_page=5).get_json()
    counts = {f["value"]: f["count"] for f in everything["facets"]["share_type"]}
    assert counts == {"unconditional": 13, "conditional": 24, "not_shared": 4}
    assert everything["total"] == 41 and len(everything["items"]) == 5 and everything["pages"] == 9


def test_pages_do_not_overlap(api):
    first = names(api("/api/v1/catalog/resources", per_page=20, page=1))
    second = names(api("/api/v1/catalog/resources", per_page=20, page=2))
    third = names(api("/api/v1/catalog/resources", per_page=20, page=3))
    assert len(set(first + second + third)) == 41


@pytest.mark.parametrize("params", [{"share_type": "有没有"}, {"page": "0"}, {"per_page": "1000"}, {"open_type": "x"}])
def test_bad_parameters_answer_422_in_chinese(api, params):
    response = api("/api/v1/catalog/resources", **params)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_failed" and "参数 " not in body["details"][0] and "：" in body["details"][0]


def test_the_catalog_needs_a_token(client, demo_catalog):
    assert client.get("/api/v1/catalog/resources").status_code == 401
    assert client.get("/api/v1/catalog/interfaces").status_code == 401


def test_interfaces_sort_by_usage_and_filter_by_scenario_class_and_range(api):
    body = api("/api/v1/catalog/interfaces", sort="-monthly_calls", per_page=3).get_json()
    calls = [i["monthly_calls"] for i in body["items"]]
    assert calls == sorted(calls, reverse=True) and calls[0] == 264000
    assert body["items"][0]["resource_code"] and body["items"][0]["business_scenarios"]
    ranged = api("/api/v1/catalog/interfaces", min_calls=10000, max_calls=100000, object_class="person").get_json()
    assert ranged["items"] and all(
        10000 <= i["monthly_calls"] <= 100000 and i["object_class"] == "person" for i in ranged["items"]
    )
    scenario = api("/api/v1/catalog/interfaces", scenario="社会救助资格审核").get_json()
    assert "IF-001" in [i["code"] for i in scenario["items"]]


def test_bad_interface_parameters_answer_422(api):
    assert api("/api/v1/catalog/interfaces", sort="calls").status_code == 422
    assert api("/api/v1/catalog/interfaces", object_class="机器人").status_code == 422
    assert api("/api/v1/catalog/interfaces", min_calls="many").status_code == 422


def test_a_draft_of_another_unit_is_not_found_through_the_api(api):
    assert api("/api/v1/catalog/resources/XY-NOPE-1").status_code == 404
    detail = api("/api/v1/catalog/resources/XY-GA-001").get_json()
    assert {"姓名", "公民身份号码"} <= {i["name"] for i in detail["info_items"]}
