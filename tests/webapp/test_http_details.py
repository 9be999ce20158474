"""What a prober sees: a wrong method names the right ones, and an empty choice is no way around a choice."""

import pytest

from tests.helpers import bearer, login, text_of


def test_a_wrong_method_on_an_api_address_answers_405_with_allow_and_the_methods_in_chinese(client):
    response = client.delete("/api/v1/applications")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.get_json() == {
        "code": "method_not_allowed",
        "message": "该地址不支持 DELETE 请求，请改用 GET、POST",
    }


def test_a_wrong_method_on_a_page_answers_405_with_allow(client):
    login(client, "machao")
    response = client.put("/catalog/")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert "该地址不支持 PUT 请求，请改用 GET" in text_of(response)


@pytest.mark.parametrize(
    "path, parameter, message",
    [
        ("/api/v1/applications", "scope", "范围：“”不是可选的值，请从列表中选择（可选：本单位、"),
        ("/api/v1/applications", "status", "状态：“”不是可选的值，请从列表中选择（可选：草稿、"),
        ("/api/v1/grants", "scope", "范围：“”不是可选的值，请从列表中选择（可选：本单位、"),
        ("/api/v1/tasks", "overdue", "：“”不是可选的值，请从列表中选择（可选：只看已逾期、全部"),
        ("/api/v1/catalog/resources", "share_type", "共享类型：“”不是可选的值，请从列表中选择（可选：无条件共享、"),
        ("/api/v1/catalog/resources", "sensitivity", "：“”不是可选的值，请从列表中选择"),
        ("/api/v1/catalog/interfaces", "object_class", "：“”不是可选的值，请从列表中选择（可选：自然人、"),
        ("/api/v1/catalog/interfaces", "sort", "：“”不是可选的值，请从列表中选择"),
    ],
)
def test_an_empty_choice_in_an_api_query_is_refused_like_any_unknown_value(client, sessions, path, parameter, message):
    response = client.get(f"{path}?{parameter}=", headers=bearer(sessions, "lina"))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["code"] == "validation_failed"
    assert message in response.get_json()["details"][0]
    assert client.get(path, headers=bearer(sessions, "lina")).status_code == 200  # left out, it is not chosen


def test_an_empty_or_unknown_overdue_on_the_task_list_is_refused_and_the_checkbox_still_filters(client):
    login(client, "huangtao")
    for typed in ("", "yes"):
        response = client.get(f"/tasks/?overdue={typed}")
        assert response.status_code == 422
        assert f"只看已逾期：“{typed}”不是可选的值，请在待办页面勾选或取消勾选“只看已逾期”后重新筛选" in text_of(
            response
        )
    assert client.get("/tasks/?overdue=1").status_code == 200 and client.get("/tasks/").status_code == 200


def test_the_catalog_search_forms_all_still_searches_everything(client, demo_catalog):
    login(client, "machao")
    page = text_of(client.get("/catalog/?q=&share_type=&open_type=&sensitivity="))
    assert "共 41 条" in page and "不是可选的值" not in page
