"""The findings' exact inputs through pages and the API: refused in Chinese with the field named, never a 500."""

import io
import re

import pytest
from sqlalchemy import func, select

from tests.helpers import (
    HOUSEHOLD,
    HOUSEHOLD_FORM,
    csrf_token,
    huge_shared_string,
    login,
    million_blank_rows,
    submit_form,
    text_of,
    upload,
)
from workflows.models import Application, Attachment
from workflows.organisation import accounts

MILLION = "数" * 1_000_000
TOO_LONG = "应用场景：不能超过 2000 个字（现有 1000000 个字），请精简后重新提交"


def test_the_form_refuses_a_million_character_scenario_under_the_field(client, ready):
    login(client, "machao")
    answer = submit_form(client, HOUSEHOLD_FORM | {"scenario": MILLION}, action="submit")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "申请内容有误，未提交" in html and TOO_LONG in html
    assert re.search(r'id="scenario"[^>]*is-invalid|is-invalid[^>]*id="scenario"', html)
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0


def test_the_form_accepts_a_scenario_of_2000_characters(client, ready):
    login(client, "machao")
    assert submit_form(client, HOUSEHOLD_FORM | {"scenario": "核" * 2000}, action="submit").status_code == 302


def test_the_api_refuses_a_million_character_scenario_naming_the_field(api):
    response = api.post("/api/v1/applications", HOUSEHOLD | {"scenario": MILLION})
    assert response.status_code == 422  # the request guard's last resort, before any service
    assert response.get_json()["details"] == ["JSON 字段“scenario”超过 200000 个字符，请精简后重新提交"]
    response = api.post("/api/v1/applications", HOUSEHOLD | {"scenario": "核" * 2001})
    assert response.get_json() == {
        "code": "validation_failed",
        "message": "申请内容有误，未提交，请按提示修改",
        "details": ["应用场景：不能超过 2000 个字（现有 2001 个字），请精简后重新提交"],
        "fields": {"scenario": "应用场景：不能超过 2000 个字（现有 2001 个字），请精简后重新提交"},
    }
    assert api.apply(scenario="核" * 2000)["scenario"] == "核" * 2000


def test_eleven_attachments_in_one_save_are_refused_and_nothing_is_kept(client, ready):
    login(client, "machao")
    scans = [(io.BytesIO(b"%PDF-1.4 scan"), f"材料{n}.pdf", "application/pdf") for n in range(11)]
    answer = submit_form(client, HOUSEHOLD_FORM | {"attachments": scans}, action="save")
    assert answer.status_code == 422
    assert "附件：每份申请最多 10 个附件，请将材料合并为一个 PDF 后上传（材料10.pdf）" in text_of(answer)
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0


def test_an_attachment_named_with_a_right_to_left_override_is_listed_without_it(client, ready):
    login(client, "machao")
    scan = (io.BytesIO(b"%PDF-1.4 scan"), "低保通知\u202efdp.exe", "application/pdf")
    answer = submit_form(client, HOUSEHOLD_FORM | {"attachments": scan}, action="save")
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "低保通知fdp.exe" in page and "\u202e" not in page


@pytest.mark.parametrize("typed", ["²", "١٢", "99999999999999999999"])
@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/catalog/?page={}", 422, "页码：应为 1 到 100000 之间的整数（半角数字）"),
        ("/catalog/interfaces?min_calls={}", 422, "月调用次数下限：应为 0 到 2147483647 之间的整数"),
        ("/api/v1/catalog/resources?per_page={}", 422, "每页条数：应为 1 到 100 之间的整数"),
        ("/tasks/?unit={}", 422, "办理单位：应为列表中的一项（正整数编号），请重新选择"),
        ("/catalog/export.xlsx?unit={}", 422, "单位：应为列表中的一项（正整数编号），请重新选择"),
    ],
)
def test_numbers_in_other_digits_or_beyond_32_bits_in_a_query_are_explained(
    client, demo_catalog, path, status, message, typed
):
    headers = {}
    if path.startswith("/api/"):
        with demo_catalog.begin() as s:
            headers["Authorization"] = "Bearer " + accounts.create_token(s, "lina")
    else:
        login(client, "lina")
    response = client.get(path.format(typed), headers=headers)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("typed", ["²", "99999999999999999999"])
def test_an_audit_page_number_that_is_no_number_shows_the_first_page(client, typed):
    login(client, "chenjing")
    response = client.get(f"/admin/audit?page={typed}")
    assert response.status_code == 200 and "审计日志" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path, data, message",
    [
        (
            "/demands/new",
            {"unit_id": "99999999999999999999", "wanted_data": "不动产登记信息", "scenario": "办理入学资格审核"},
            "需求单位：应为列表中的一项",
        ),
        ("/inbox/read", {"id": "²"}, "消息：应为列表中的一项"),
        ("/admin/calendar/import", {"year": "²"}, None),
    ],
)
def test_numbers_in_a_form_that_are_no_ids_are_explained(client, path, data, message):
    login(client, "chenjing" if "calendar" in path else "machao")
    response = client.post(path, data=data | {"csrf_token": csrf_token(client, "/")}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422) and "系统内部错误" not in page
    assert (message or "请填写 2000–2100 之间的年份") in page


def test_an_over_long_username_at_login_is_refused_in_chinese(client):
    response = client.post(
        "/login", data={"username": "u" * 1000, "password": "Demo@2026", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422
    assert "用户名：不能超过 64 个字（现有 1000 个字）" in response.get_data(as_text=True)


def test_the_import_page_refuses_a_million_blank_rows_and_a_huge_shared_string(client, demo_catalog):
    login(client, "huangtao")
    rows = upload(client, million_blank_rows())
    assert rows.status_code == 422 and "表头以下超过 5000 行（空行也计算在内）" in rows.get_data(as_text=True)
    strings = upload(client, huge_shared_string())
    page = strings.get_data(as_text=True)
    assert strings.status_code == 422 and "文件过大或结构异常，未导入任何内容" in page and "超过 10 MB" in page


def test_an_over_long_search_keyword_is_refused_not_cut(client, demo_catalog):
    login(client, "machao")
    page = client.get("/catalog/?q=" + "户" * 51).get_data(as_text=True)
    assert "关键词：不能超过 50 个字（现有 51 个字）" in page


def test_a_text_field_beyond_the_form_size_limit_is_explained_as_text_not_as_a_file(client, ready):
    login(client, "machao")
    answer = submit_form(client, HOUSEHOLD_FORM | {"scenario": "数" * 2_000_000}, action="submit")
    assert answer.status_code == 413
    assert "填写的文字过长（单个栏目超过 4 MB），请精简后重新提交" in answer.get_data(as_text=True)
