"""List pages with query filters: a filter that cannot be applied is explained and lists nothing."""
import pytest

from tests.helpers import apply, login


@pytest.mark.parametrize("query, message", [
    ("status=lost", "状态：“lost”不是可选的值，请从列表中选择（可选：草稿、"),
    ("scope=everyone", "范围：“everyone”不是可选的值，请从列表中选择（可选：本单位的申请"),
    ("status=", "状态：“”不是可选的值，请从列表中选择（可选：草稿、"),
    ("scope=", "范围：“”不是可选的值，请从列表中选择（可选：本单位的申请"),
])
def test_an_unknown_filter_of_the_application_list_is_explained_and_lists_nothing(client, ready, query, message):
    apply(ready, "machao")
    login(client, "machao")
    assert "户籍人口基本信息" in client.get("/applications").get_data(as_text=True)
    page = client.get(f"/applications?{query}").get_data(as_text=True)
    assert message in page and "户籍人口基本信息" not in page
