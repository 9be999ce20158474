"""List pages with query filters: a filter that cannot be applied is explained and lists nothing."""

import pytest

from tests.helpers import apply, decide, login


@pytest.mark.parametrize(
    "query, message",
    [
        ("status=lost", "状态：“lost”不是可选的值，请从列表中选择（可选：草稿、"),
        ("scope=everyone", "范围：“everyone”不是可选的值，请从列表中选择（可选：本单位的申请"),
        ("status=", "状态：“”不是可选的值，请从列表中选择（可选：草稿、"),
        ("scope=", "范围：“”不是可选的值，请从列表中选择（可选：本单位的申请"),
    ],
)
def test_an_unknown_filter_of_the_application_list_is_explained_and_lists_nothing(client, ready, query, message):
    apply(ready, "machao")
    login(client, "machao")
    assert "户籍人口基本信息" in client.get("/applications").get_data(as_text=True)
    page = client.get(f"/applications?{query}").get_data(as_text=True)
    assert message in page and "户籍人口基本信息" not in page


@pytest.mark.parametrize("scope", ["everyone", "all"])  # all: only coordinators see every unit's grants
def test_an_unknown_scope_of_the_grant_list_is_explained_and_lists_nothing(client, ready, scope):
    decide(ready, apply(ready, "machao"), decision="approve")
    login(client, "machao")
    assert "户籍人口基本信息" in client.get("/grants").get_data(as_text=True)
    answer = client.get(f"/grants?scope={scope}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "户籍人口基本信息" not in page
    assert f"范围：“{scope}”不是可选的值，请从列表中选择（可选：本单位获得的授权、本单位数据的授权）" in page
    assert "范围有误，未列出授权" in page and 'aria-current="page" href="/grants?scope=' not in page  # no tab chosen
    assert client.get("/grants?scope=").status_code == 200
