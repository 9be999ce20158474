"""谁使用谁负责: an application states where the data is kept, who may see it and when it is deleted; the form requires
it, API v1 warns without it, and the reviewer, the grant, the 授权提供单 and the record show what was stated."""

import html
import re
import subprocess

from tests.helpers import (
    HOUSEHOLD,
    HOUSEHOLD_FORM,
    PROTECTION,
    PROTECTION_FORM,
    apply,
    decide,
    login,
    review_task,
    submit_form,
    text_of,
)
from workflows.models import PROTECTION_MISSING, Application
from workflows.sharing import grants, records

BLANK = {name: "" for name in PROTECTION_FORM}


def _beside_fields(page) -> dict[str, str]:
    found = re.findall(
        r'name="(data_protection\.\w+)"[^>]*>[^<]*</textarea>\s*<div class="invalid-feedback d-block">(.*?)</div>',
        page.get_data(as_text=True),
    )
    return {name: html.unescape(message) for name, message in found}


def test_the_form_refuses_an_application_without_data_protection_saying_beside_each_box_what_to_write(client, ready):
    login(client, "machao")
    page = submit_form(client, HOUSEHOLD_FORM | BLANK, action="submit")
    assert page.status_code == 422
    beside = _beside_fields(page)
    assert set(beside) == set(PROTECTION_FORM)
    assert beside["data_protection.storage"].startswith("存放位置：写明数据存放在哪里")
    assert beside["data_protection.access"].startswith("知悉范围：")
    assert beside["data_protection.disposal"].startswith("销毁期限和方式：")
    with ready() as s:
        assert s.query(Application).count() == 0


def test_the_form_says_which_undertaking_is_too_short_or_too_long_and_keeps_what_was_typed(client, ready):
    login(client, "machao")
    typed = PROTECTION_FORM | {"data_protection.access": "有", "data_protection.disposal": "删" * 301}
    page = submit_form(client, HOUSEHOLD_FORM | typed, action="submit")
    beside = _beside_fields(page)
    assert set(beside) == {"data_protection.access", "data_protection.disposal"}
    assert "至少 4 个字" in beside["data_protection.access"]
    assert "不能超过 300 个字（现有 301 个字）" in beside["data_protection.disposal"]
    assert PROTECTION["storage"] in page.get_data(as_text=True)  # kept as typed


def test_an_undertaking_that_says_nothing_is_refused_however_long(client, ready):
    login(client, "machao")
    typed = PROTECTION_FORM | {"data_protection.storage": "aaaaaaaa", "data_protection.access": "同上同上"}
    beside = _beside_fields(submit_form(client, HOUSEHOLD_FORM | typed, action="submit"))
    assert set(beside) == {"data_protection.storage", "data_protection.access"}
    assert all("请用中文具体写明" in text for text in beside.values())


def test_a_draft_may_leave_data_protection_for_later(client, ready):
    login(client, "machao")
    assert submit_form(client, HOUSEHOLD_FORM | BLANK, action="save").status_code == 302
    with ready() as s:
        assert s.query(Application).one().data_protection is None


def test_the_api_accepts_an_application_without_data_protection_and_warns_in_chinese(api):
    without = {k: v for k, v in HOUSEHOLD.items() if k != "data_protection"}
    answer = api.post("/api/v1/applications", without)
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["data_protection"] is None
    assert len(body["warnings"]) == 1 and "未填写数据保护承诺" in body["warnings"][0]
    stated = api.apply()
    assert "warnings" not in stated and stated["data_protection"] == PROTECTION


def test_the_api_refuses_an_incomplete_data_protection_naming_the_field(api):
    answer = api.post("/api/v1/applications", HOUSEHOLD | {"data_protection": {"storage": "本单位机房"}})
    assert answer.status_code == 422
    fields = answer.get_json()["fields"]
    assert set(fields) == {"data_protection.access", "data_protection.disposal"}
    assert fields["data_protection.access"].startswith("知悉范围：")
    other = api.post("/api/v1/applications", HOUSEHOLD | {"data_protection": PROTECTION | {"owner": "张三"}})
    assert other.status_code == 422 and "owner 不是其中之一" in other.get_json()["fields"]["data_protection"]


def test_the_reviewer_sees_the_undertaking_beside_the_decision(client, ready):
    app_id = apply(ready)
    login(client, "huangtao")
    page = text_of(client.get(f"/tasks/{review_task(ready, app_id).id}"))
    assert "数据保护承诺" in page
    for title, text in (("存放位置", PROTECTION["storage"]), ("知悉范围", PROTECTION["access"])):
        assert f"{title} {text}" in page


def test_the_grant_carries_the_undertaking_as_reviewed_and_its_pages_and_record_print_it(client, ready, tmp_path):
    app_id = apply(ready)
    decide(ready, app_id, decision="approve")
    with ready() as s:
        grant = grants.for_application(s, app_id)
        assert grant.data_protection == PROTECTION
        pdf = tmp_path / "record.pdf"
        pdf.write_bytes(records.pdf_for(s, records.for_application(s, app_id)))
        grant_id = grant.id
    login(client, "machao")
    page = text_of(client.get(f"/applications/{app_id}"))
    order = text_of(client.get(f"/grants/{grant_id}/order"))
    for text in PROTECTION.values():
        assert text in page and text in order
    assert f"数据保护承诺 存放位置：{PROTECTION['storage']}" in order
    printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = printed.replace("\n", "").replace(" ", "")
    assert "数据保护承诺存放位置：" in flat
    for text in PROTECTION.values():
        assert text.replace(" ", "") in flat


def test_an_application_from_before_shows_that_nothing_was_asked_then(client, ready):
    app_id = apply(ready)
    with ready.begin() as s:
        s.get(Application, app_id).data_protection = None
    decide(ready, app_id, decision="approve")
    login(client, "machao")
    page = text_of(client.get(f"/applications/{app_id}"))
    assert page.count(PROTECTION_MISSING) == 6  # three for the application, three for its grant


def test_a_returned_application_may_change_its_undertaking(client, ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="return", reason="1. 请说明数据存放在哪台服务器\n2. 请说明哪些人员可以查看数据")
    login(client, "machao")
    changed = PROTECTION_FORM | {"data_protection.storage": "县民政局本地服务器（不接入互联网）"}
    answer = submit_form(client, HOUSEHOLD_FORM | changed, f"/applications/{app_id}/edit", action="save")
    assert answer.status_code == 302
    with ready() as s:
        assert s.get(Application, app_id).data_protection["storage"] == "县民政局本地服务器（不接入互联网）"


def test_a_draft_without_data_protection_is_not_submitted_from_its_page(client, ready):
    login(client, "machao")
    saved = submit_form(client, HOUSEHOLD_FORM | BLANK, action="save")
    app_id = int(saved.headers["Location"].rsplit("/", 1)[1])
    token = re.search(
        r'name="csrf_token" value="([^"]+)"', client.get(f"/applications/{app_id}").get_data(as_text=True)
    )
    answer = client.post(f"/applications/{app_id}/submit", data={"csrf_token": token.group(1)})
    assert answer.status_code == 422
    assert set(_beside_fields(answer)) == set(PROTECTION_FORM)
