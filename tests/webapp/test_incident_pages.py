"""安全事件 pages: recorded from the grant's page, seen by the using unit, the provider and the bureau and by nobody
else, and every bad input told in Chinese beside its field."""

import html
import re
from datetime import datetime

import pytest
import time_machine

from tests.helpers import SH, apply, csrf_token, decide, login, person, text_of, unit
from workflows.incidents import service
from workflows.models import Incident
from workflows.sharing import grants

NOW = datetime(2026, 2, 25, 9, 0, tzinfo=SH)
LEAK = {
    "occurred_on": "2026-02-20",
    "account": "社会救助股一名经办人将核对结果表格发到了工作微信群，群内有非本单位人员",
    "data_affected": "姓名、公民身份号码，约 40 条",
    "measures": "已要求撤回并删除聊天记录，对经办人进行约谈",
}


@pytest.fixture
def on_grant(ready):
    """An incident of 县民政局 on its grant of 县公安局's data: (application id, grant id, incident id)."""
    with time_machine.travel(NOW, tick=False):
        app_id = apply(ready)
        decide(ready, app_id, decision="approve")
        with ready.begin() as s:
            grant = grants.for_application(s, app_id)
            incident = service.record_incident(s, person(s, "sunjie"), LEAK | {"grant_id": grant.id})
            return app_id, grant.id, incident.id


def _errors(page) -> dict[str, str]:
    found = re.findall(
        r'<div class="invalid-feedback d-block" id="error-(\w+)">(.*?)</div>', page.get_data(as_text=True)
    )
    return {name: html.unescape(message) for name, message in found}


@time_machine.travel(NOW, tick=False)
def test_the_grantees_admin_records_an_incident_from_the_grant_page(client, ready, on_grant):
    app_id, grant_id, _ = on_grant
    login(client, "sunjie")
    page = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert f"/incidents/new?grant={grant_id}" in page and "已要求撤回" not in page
    assert "处置中：姓名、公民身份号码，约 40 条" in text_of(client.get(f"/applications/{app_id}"))
    form = client.get(f"/incidents/new?grant={grant_id}")
    assert "户籍人口基本信息" in text_of(form)
    answer = client.post(
        f"/incidents/new?grant={grant_id}",
        data=LEAK | {"grant_id": str(grant_id), "unit_id": "", "csrf_token": csrf_token(client, "/incidents/new")},
    )
    assert answer.status_code == 302
    with ready() as s:
        assert s.query(Incident).filter_by(grant_id=grant_id).count() == 2


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("username", "sees"),
    [("lina", True), ("sunjie", True), ("machao", True), ("huangtao", True), ("heming", False), ("gaopeng", False)],
)
def test_an_incident_is_seen_by_the_using_unit_the_provider_and_the_bureau_only(
    client, ready, on_grant, username, sees
):
    _, _, incident_id = on_grant
    login(client, username)
    detail = client.get(f"/incidents/{incident_id}")
    listed = text_of(client.get("/incidents/"))
    assert detail.status_code == (200 if sees else 404)
    assert ("约 40 条" in listed) is sees


@time_machine.travel(NOW, tick=False)
def test_the_list_filters_by_unit_and_status(client, ready, on_grant):
    login(client, "lina")
    with ready() as s:
        mzj, rsj = unit(s, "mzj").id, unit(s, "rsj").id
    assert "约 40 条" in text_of(client.get(f"/incidents/?unit={mzj}&status=handling"))
    assert "约 40 条" not in text_of(client.get(f"/incidents/?unit={rsj}"))
    assert "约 40 条" not in text_of(client.get("/incidents/?status=closed"))
    assert client.get("/incidents/?status=lost").status_code == 422


@time_machine.travel(NOW, tick=False)
def test_only_coordinators_and_unit_admins_have_the_form(client, ready):
    login(client, "machao")
    assert client.get("/incidents/new").status_code == 404
    assert "登记安全事件" not in text_of(client.get("/incidents/"))


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"occurred_on": "", "account": "", "data_affected": "", "measures": ""},
            {
                "occurred_on": "发生时间：请填写事件发生的日期",
                "account": "经过：请写明发生了什么",
                "data_affected": "涉及数据：请写明涉及哪些数据",
                "measures": "处置措施：请写明已经采取或将要采取的措施",
            },
        ),
        ({"account": "泄" * 4001}, {"account": "经过：不能超过 4000 个字"}),
        ({"occurred_on": "2026-02-30"}, {"occurred_on": "发生时间：“2026-02-30”不是存在的日期"}),
        ({"occurred_on": "上周五"}, {"occurred_on": "发生时间：“上周五”不是有效日期"}),
        ({"occurred_on": "2026-03-01"}, {"occurred_on": "发生时间：2026-03-01 晚于今天"}),
    ],
)
def test_bad_input_on_the_incident_form_is_told_in_chinese_beside_its_field(client, ready, changes, expected):
    login(client, "sunjie")
    with ready() as s:
        mzj = unit(s, "mzj").id
    answer = client.post(
        "/incidents/new",
        data=LEAK | changes | {"unit_id": str(mzj), "csrf_token": csrf_token(client, "/incidents/new")},
    )
    assert answer.status_code == 422
    errors = _errors(answer)
    assert set(errors) == set(expected)
    for field, start in expected.items():
        assert errors[field].startswith(start), errors[field]
    assert "安全事件内容有误，未保存" in text_of(answer)
    with ready() as s:
        assert s.query(Incident).count() == 0


@time_machine.travel(NOW, tick=False)
def test_a_status_change_needs_a_note_and_shows_in_the_history(client, ready, on_grant):
    _, _, incident_id = on_grant
    login(client, "sunjie")
    token = csrf_token(client, f"/incidents/{incident_id}")
    refused = client.post(
        f"/incidents/{incident_id}/status", data={"status": "handled", "note": "", "csrf_token": token}
    )
    assert refused.status_code == 422 and _errors(refused)["note"].startswith("说明：请写明处置进展")
    filler = client.post(
        f"/incidents/{incident_id}/status", data={"status": "handled", "note": "ok ok ok ok", "csrf_token": token}
    )
    assert filler.status_code == 422 and _errors(filler)["note"].startswith("说明：")
    done = client.post(
        f"/incidents/{incident_id}/status", data={"status": "handled", "note": "已删除全部副本", "csrf_token": token}
    )
    assert done.status_code == 302
    page = text_of(client.get(f"/incidents/{incident_id}"))
    assert "已处置" in page and "孙杰：已删除全部副本" in page
    client.post("/logout", data={"csrf_token": token})
    login(client, "huangtao")  # the provider sees the incident but does not handle it
    assert (
        client.post(
            f"/incidents/{incident_id}/status",
            data={
                "status": "closed",
                "note": "提供单位结案",
                "csrf_token": csrf_token(client, f"/incidents/{incident_id}"),
            },
        ).status_code
        == 403
    )


@time_machine.travel(NOW, tick=False)
def test_the_coordinators_workbench_counts_incidents_still_being_handled(client, ready, on_grant):
    _, _, incident_id = on_grant
    login(client, "lina")
    page = text_of(client.get("/"))
    assert "处置中的安全事件：" in page and "1 起" in page


@time_machine.travel(NOW, tick=False)
def test_the_using_unit_reports_handling_and_only_the_bureau_closes_and_a_closed_incident_stays_closed(
    app, client, on_grant
):
    *_, incident_id = on_grant
    login(client, "sunjie")

    def change(who, status):
        return who.post(
            f"/incidents/{incident_id}/status",
            data={
                "status": status,
                "note": "已删除聊天记录并约谈经办人",
                "csrf_token": csrf_token(who, f"/incidents/{incident_id}"),
            },
        )

    skipped = change(client, "closed")
    assert skipped.status_code == 422 and "请先记录处置结果" in text_of(skipped)
    assert change(client, "handled").status_code == 302
    by_unit = change(client, "closed")
    assert by_unit.status_code == 422 and "结案由县大数据局协调员审核后办理" in text_of(by_unit)
    sent_back_by_unit = change(client, "handling")
    assert sent_back_by_unit.status_code == 422 and "由县大数据局审核" in text_of(sent_back_by_unit)
    bureau = app.test_client()
    login(bureau, "lina")
    assert change(bureau, "handling").status_code == 302  # the bureau finds the handling incomplete
    assert change(client, "handled").status_code == 302
    assert change(bureau, "closed").status_code == 302
    reopened = change(bureau, "handling")
    assert reopened.status_code == 422 and "事件已结案，不再更改" in text_of(reopened)


@time_machine.travel(NOW, tick=False)
def test_a_unit_or_grant_that_is_not_there_is_told_beside_the_form_and_what_was_typed_stays(client, on_grant):
    login(client, "lina")
    token = csrf_token(client, "/incidents/new")
    no_unit = client.post("/incidents/new", data=LEAK | {"unit_id": "99999", "grant_id": "", "csrf_token": token})
    assert no_unit.status_code == 422 and "使用单位：请从列表中选择" in text_of(no_unit)
    no_grant = client.post("/incidents/new", data=LEAK | {"unit_id": "", "grant_id": "99999", "csrf_token": token})
    assert no_grant.status_code == 422 and "所涉授权：该授权不存在" in text_of(no_grant)
    assert LEAK["account"] in html.unescape(no_grant.get_data(as_text=True))


@time_machine.travel(NOW, tick=False)
def test_the_provider_is_told_up_front_that_the_bureau_records_incidents_on_its_grantees_grants(client, on_grant):
    _, grant_id, _ = on_grant
    login(client, "huangtao")
    refused = client.get(f"/incidents/new?grant={grant_id}")
    assert refused.status_code == 403 and "请联系县大数据局登记" in text_of(refused)
