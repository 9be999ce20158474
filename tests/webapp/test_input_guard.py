"""Input no view can handle (control characters, deep JSON, huge fields, ids beyond 32 bits, unknown choices)
gets a 422 or 404 with a Chinese message on both databases, never a 500."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.helpers import bearer, csrf_token, login
from webapp import input_guard
from webapp.api.openapi import document
from workflows import clock
from workflows.models import Application

HOUSEHOLD = {
    "resource_code": "XY-GA-001",
    "items": ["姓名", "公民身份号码"],
    "scenario": "最低生活保障家庭经济状况核对中核验申请人户籍",
    "basis": "《社会救助暂行办法》第十一条",
    "purpose": "核验低保申请人及家庭成员户籍",
    "frequency": "daily",
    "valid_until": (clock.today() + timedelta(days=365)).isoformat(),
    "undertaking": True,
    "sensitive_justification": "核对家庭成员身份必须使用身份证号",
}
BIG_IDS = [2**31, 2**63, 10**30, "١٢", "²"]


@pytest.fixture
def token(client, processes, demo_catalog):
    return bearer(processes, "lina")


def refused(response, *fragments: str) -> str:
    """The 422 of the input guard; returns its text for further checks."""
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    if response.is_json:
        body = response.get_json()
        assert body["code"] == "invalid_input" and "未作任何处理" in body["message"]
        text = " ".join(body["details"])
    else:
        text = re.sub(r"\s+", " ", response.get_data(as_text=True))
        assert "未作任何处理" in text
    for fragment in fragments:
        assert fragment in text
    return text


def count(sessions, model) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_nul_in_the_login_username_gets_the_chinese_message_and_nobody_is_logged_in(client, sessions):
    answer = client.post(
        "/login", data={"username": "lina\x00", "password": "Demo@2026", "csrf_token": csrf_token(client)}
    )
    refused(answer, "表单字段“username”含有不可见的控制字符")
    assert client.get("/").status_code == 302  # still on the way to the login page


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_saved(client, processes, demo_catalog):
    login(client, "machao")
    data = {
        "csrf_token": csrf_token(client, "/applications"),
        "resource_code": "XY-GA-001",
        "scenario": "最低生活保障\x00核对",
        "action": "save",
    }
    answer = client.post("/applications/new?resource=XY-GA-001", data=data, content_type="multipart/form-data")
    refused(answer, "表单字段“scenario”")
    assert count(processes, Application) == 0


@pytest.mark.parametrize("path", ["/catalog/?q=%E6%88%B7%00", "/catalog/?a%00b=1", "/tasks/?process=%1b"])
def test_a_control_character_in_a_query_argument_is_refused_on_pages(client, sessions, path):
    login(client, "lina")
    refused(client.get(path), "查询参数")


def test_a_control_character_in_a_query_argument_or_path_value_is_refused_in_the_api(client, token):
    refused(client.get("/api/v1/catalog/resources?q=a%00b", headers=token), "查询参数“q”")
    refused(client.get("/api/v1/catalog/resources?unit=%0a", headers=token), "查询参数“unit”")
    refused(client.get("/api/v1/catalog/resources/XY%00GA", headers=token), "地址中的参数“code”")


@pytest.mark.parametrize(
    "body, where",
    [
        (HOUSEHOLD | {"scenario": "最低生活保障\x00家庭核对"}, "JSON 字段“scenario”"),
        (HOUSEHOLD | {"items": ["姓名", "公民\x00身份号码"]}, "JSON 字段“items[1]”"),
        (HOUSEHOLD | {"items\x00": []}, "JSON 字段名“items\\u0000”"),
        (HOUSEHOLD | {"basis": "依据\x1b[31m"}, "JSON 字段“basis”"),
        (HOUSEHOLD | {"purpose": "用途\x85"}, "JSON 字段“purpose”"),
        (HOUSEHOLD | {"purpose": "用途\ud800"}, "JSON 字段“purpose”"),
    ],
)
def test_a_control_character_in_a_json_value_or_key_is_refused_and_nothing_is_saved(
    client, processes, token, body, where
):
    for content_type in ("application/json", "text/plain"):  # the API reads any body as JSON
        sent = client.post("/api/v1/applications", data=json.dumps(body), content_type=content_type, headers=token)
        refused(sent, where)
    assert count(processes, Application) == 0


@pytest.mark.parametrize(
    "body, where",
    [
        (HOUSEHOLD | {"purpose": "用途\x85"}, "JSON 字段“purpose”"),  # unescaped: the raw text holds it
        (HOUSEHOLD | {"basis": '"' * 200_001}, "JSON 字段“basis”超过 200000 个字符"),  # escaped quotes all along
    ],
)
def test_a_body_written_without_escapes_is_checked_as_closely(client, processes, token, body, where):
    sent = json.dumps(body, ensure_ascii=False).encode()
    refused(client.post("/api/v1/applications", data=sent, content_type="application/json", headers=token), where)
    assert count(processes, Application) == 0


def test_tab_and_newline_are_text_and_pass_the_guard(client, token):
    answer = client.post(
        "/api/v1/applications", json=HOUSEHOLD | {"scenario": "核对低保家庭：\n\t第一步核验户籍"}, headers=token
    )
    assert answer.status_code == 201, answer.get_json()


def test_a_field_beyond_the_last_resort_size_is_refused(client, token):
    refused(
        client.get("/api/v1/catalog/resources", query_string={"q": "户" * 200_001}, headers=token), "超过 200000 个字符"
    )
    refused(
        client.post("/api/v1/applications", json=HOUSEHOLD | {"basis": "依" * 200_001}, headers=token),
        "JSON 字段“basis”超过 200000 个字符",
    )


@pytest.mark.parametrize(
    "raw", ["[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000, "[" * 33 + "]" * 33]
)
def test_deeply_nested_json_is_refused_before_it_is_parsed(client, token, raw):
    answer = client.post("/api/v1/applications", data=raw, content_type="application/json", headers=token)
    refused(answer, "嵌套超过 32 层")


@pytest.mark.parametrize(
    "raw, deep",
    [
        ('{"a": "' + "[" * 40 + '"}', False),  # brackets inside a string, no backslash anywhere: not nesting
        ('{"a": "x\\"' + "[" * 40 + '"}', False),  # … nor after an escaped quote inside the string
        ('{"a": "x\\\\", "b": ' + "[" * 40 + "]" * 40 + "}", True),  # an escaped backslash ends it: nesting
    ],
)
def test_the_depth_counts_brackets_outside_strings_whether_or_not_the_body_has_escapes(raw, deep):
    assert input_guard.too_deep(raw.encode()) is deep


def test_json_nested_32_levels_passes_the_guard_and_the_view_explains_what_it_expects(client, token):
    answer = client.post(
        "/api/v1/applications", data="[" * 32 + "]" * 32, content_type="application/json", headers=token
    )
    assert answer.status_code == 400 and answer.get_json()["message"] == "请求体应为 JSON 对象"


def _routes_with_ids(app):
    for rule in app.url_map.iter_rules():
        if any(type(c).__name__ == "IdConverter" for c in rule._converters.values()):
            yield rule


@pytest.mark.parametrize("big", BIG_IDS)
def test_an_id_beyond_32_bits_or_in_other_digits_is_404_on_every_route(app, client, token, big):
    login(client, "lina")
    rules = list(_routes_with_ids(app))
    assert len(rules) >= 20
    for rule in rules:
        path = re.sub(r"<int(?:\([^)]*\))?:\w+>", str(big), rule.rule)
        path = re.sub(r"<\w+>", "XY-GA-001", path)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            answer = client.open(path, method=method, headers=token if path.startswith("/api/") else None)
            assert answer.status_code == 404, (method, path, answer.status_code)


def test_the_largest_32_bit_id_reaches_the_database_and_is_simply_not_found(client, token):
    answer = client.get(f"/api/v1/applications/{2**31 - 1}", headers=token)
    assert answer.status_code == 404 and answer.get_json()["code"] == "not_found"
    answer = client.post(f"/api/v1/tasks/{2**31 - 1}/complete", json={"decision": "approve"}, headers=token)
    assert answer.status_code == 404


def _enum_parameters():
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and "enum" in parameter["schema"]:
                    yield pytest.param(
                        path, parameter["name"], parameter["schema"]["enum"], id=f"{path}?{parameter['name']}"
                    )


def test_every_enum_parameter_is_found(app):
    names = {(p.values[0], p.values[1]) for p in _enum_parameters()}
    assert {
        ("/tasks", "overdue"),
        ("/applications", "scope"),
        ("/applications", "status"),
        ("/grants", "scope"),
        ("/catalog/interfaces", "object_class"),
        ("/catalog/interfaces", "sort"),
        ("/catalog/resources", "category"),
        ("/catalog/resources", "share_type"),
    } <= names


@pytest.mark.parametrize("path, name, allowed", list(_enum_parameters()))
def test_an_unknown_value_of_an_enum_parameter_is_422_listing_every_allowed_value(client, token, path, name, allowed):
    answer = client.get(f"/api/v1{path}", query_string={name: "不存在的值"}, headers=token)
    assert answer.status_code == 422, answer.get_json()
    body = answer.get_json()
    assert body["code"] == "validation_failed" and body["message"] == "查询参数有误，请按提示修改"
    assert "：“不存在的值”不是可选的值，请从列表中选择（可选：" in body["details"][0]
    assert name not in body["details"][0]  # the field by its Chinese name, the choices by theirs
    assert all(value in body["details"][0] for value in allowed if not value.isascii())
    answer = client.get(f"/api/v1{path}", query_string={name: allowed[-1]}, headers=token)
    assert answer.status_code == 200, answer.get_json()


def test_an_unknown_value_of_an_enum_field_in_a_body_lists_every_allowed_value(client, processes, token):
    answer = client.post("/api/v1/applications", json=HOUSEHOLD | {"frequency": "偶尔"}, headers=token)
    assert answer.status_code == 422 and "实时调用、每日、每周、每月、一次性" in " ".join(answer.get_json()["details"])
    created = client.post("/api/v1/applications", json=HOUSEHOLD, headers=token).get_json()
    huangtao = bearer(processes, "huangtao")
    task = next(
        t
        for t in client.get("/api/v1/tasks", headers=huangtao).get_json()["items"]
        if t.get("application_id") == created["id"]
    )
    answer = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"decision": "maybe"}, headers=huangtao)
    assert answer.status_code == 422
    assert all(f"{code}（" in " ".join(answer.get_json()["details"]) for code in ("approve", "reject", "return"))


def test_a_category_path_is_its_own_parameter_and_the_category_is_a_choice(client, token):
    by_path = client.get("/api/v1/catalog/resources", query_string={"category_path": "基础/电子证照"}, headers=token)
    assert by_path.status_code == 200 and by_path.get_json()["total"] == 4
    answer = client.get("/api/v1/catalog/resources", query_string={"category": "基础/电子证照"}, headers=token)
    assert answer.status_code == 422 and "可选：基础、主题、部门" in answer.get_json()["details"][0]
