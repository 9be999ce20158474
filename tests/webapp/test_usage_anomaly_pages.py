"""谁使用谁负责: the using unit explains an anomaly of its calls, once; the provider reads it and may dispute the use."""

import html
import re

from sqlalchemy import func, select

from tests.helpers import apply, at, csrf_token, decide, login, text_of
from workflows.models import (
    AccountKind,
    Grant,
    Incident,
    IncidentSource,
    Objection,
    Person,
    Unit,
    UsageAnomaly,
    UsageSource,
)
from workflows.sharing import grants
from workflows.usage import ingest


def _calls_under_no_grant(sessions) -> int:
    with sessions.begin() as s:
        platform = s.scalar(select(Person).where(Person.account_kind == AccountKind.PLATFORM))
        record = {
            "id": "x-1",
            "unit_code": "mzj",
            "resource_code": "XY-GA-001",
            "at": "2026-03-24T10:00:00+08:00",
            "call_type": "interface",
            "count": 50,
            "failed": 0,
            "scenario": "低保核对",
        }
        ingest.ingest(s, platform, "k", "k", [record], [], UsageSource.PLATFORM)
        return s.scalar(select(func.max(UsageAnomaly.id)))  # the newest: this record's


def test_the_using_unit_explains_once_in_specific_words_and_the_provider_reads_it(app, client, ready):
    with at("2026-03-25T10:00:00"):
        anomaly = _calls_under_no_grant(ready)
        login(client, "machao")
        token = csrf_token(client, "/usage/")
        vague = client.post(
            f"/usage/anomalies/{anomaly}/explain", data={"explanation": "正常使用", "csrf_token": token}
        )
        row = vague.get_data(as_text=True).split(f'id="anomaly-{anomaly}"')[1].split("</tr>")[0]
        assert vague.status_code == 422 and "请写明具体情况" in row and ">正常使用</textarea>" in row  # at its row
        said = "3 月 24 日为低保复核批量核验，授权 SQ2026000001 已在审批中，已暂停调用"
        done = client.post(f"/usage/anomalies/{anomaly}/explain", data={"explanation": said, "csrf_token": token})
        assert "情况说明已保存" in text_of(client.get(done.headers["Location"]))
        again = client.post(f"/usage/anomalies/{anomaly}/explain", data={"explanation": said, "csrf_token": token})
        assert "已说明过" in text_of(client.get(again.headers["Location"]))
        provider = app.test_client()
        login(provider, "huangtao")
        assert said in text_of(provider.get("/usage/"))
        refused = provider.post(
            f"/usage/anomalies/{anomaly}/explain",
            data={"explanation": said, "csrf_token": csrf_token(provider, "/usage/")},
        )
        assert "不是本单位的调用" in text_of(provider.get(refused.headers["Location"]))


def _calls_outside_the_scenario(ready) -> tuple[int, int]:
    """民政局 granted 公安局's data, then calls it for a scenario the grant does not name: (grant id, anomaly id)."""
    with at("2026-03-02T10:00:00"):
        app_id = apply(ready)
        decide(ready, app_id, decision="approve")
        with ready() as s:
            grant = grants.for_application(s, app_id)
    with at("2026-03-25T10:00:00"), ready.begin() as s:
        platform = s.scalar(select(Person).where(Person.account_kind == AccountKind.PLATFORM))
        record = {
            "id": "g-1",
            "grant_id": grant.id,
            "at": "2026-03-24T10:00:00+08:00",
            "call_type": "interface",
            "count": 5,
            "failed": 0,
            "scenario": "用于与授权无关的招商引资企业核查",
        }
        ingest.ingest(s, platform, "g", "g", [record], [], UsageSource.PLATFORM)
        return grant.id, s.scalar(select(func.max(UsageAnomaly.id)))


def test_the_provider_turns_an_anomaly_into_a_usage_dispute_whose_facts_are_written(client, ready):
    grant_id, anomaly = _calls_outside_the_scenario(ready)
    with at("2026-03-25T11:00:00"):
        login(client, "huangtao")
        assert f"/objections/new?anomaly={anomaly}" in client.get("/usage/").get_data(as_text=True)
        form = text_of(client.get(f"/objections/new?anomaly={anomaly}"))
        assert "招商引资企业核查" in form and "SQ2026" in form and "请县民政局说明上述调用的情况" in form


def test_a_coordinator_raises_a_usage_dispute_from_an_anomaly_against_the_unit_that_used_the_data(app, client, ready):
    grant_id, anomaly = _calls_outside_the_scenario(ready)
    with at("2026-03-25T11:00:00"):
        login(client, "liuyang")  # a coordinator of the bureau, party to neither side
        with ready() as s:
            mzj = s.scalar(select(Unit).where(Unit.code == "mzj"))
        assert f"/objections/new?anomaly={anomaly}" in client.get(f"/usage/?unit={mzj.id}").get_data(as_text=True)
        page = client.get(f"/objections/new?anomaly={anomaly}").get_data(as_text=True)
        values = {name: re.search(rf'name="{name}"[^>]*value="([^"]*)"', page).group(1) for name in ("grant_number",)}
        facts = re.search(r'name="facts"[^>]*>([^<]*)<', page).group(1)
        request = re.search(r'name="request"[^>]*>([^<]*)<', page).group(1)
        form = {"type": "usage_dispute", "facts": html.unescape(facts), "request": html.unescape(request)} | values

        def send():
            return client.post("/objections/new", data=form | {"csrf_token": csrf_token(client, "/objections/new")})

        raised = send()
        assert raised.status_code == 302, text_of(raised)
        again = send()  # the back button, then 提交 once more
        assert again.status_code == 409 and "未重复提交" in text_of(again)
        listed = client.get(f"/usage/?unit={mzj.id}").get_data(as_text=True)
    with ready() as s:
        objection = s.scalar(select(Objection).order_by(Objection.id.desc()))
        assert (objection.grant_id, objection.concerned_unit_id) == (grant_id, mzj.id)
        assert "应用场景与授权不符" in objection.facts
    row = listed.split(f'id="anomaly-{anomaly}"')[1].split("</tr>")[0]
    assert f"/objections/{objection.id}" in row and f"已转为数据使用异议 {objection.number}" in row
    assert f"/objections/new?anomaly={anomaly}" not in row  # not offered twice
    with at("2026-03-25T11:05:00"):
        form = client.get(f"/objections/new?anomaly={anomaly}").get_data(as_text=True)
        provider = app.test_client()
        login(provider, "huangtao")  # the provider, who may not open an objection the bureau raised
        provider_page = provider.get("/usage/").get_data(as_text=True)
    provider_row = provider_page.split(f'id="anomaly-{anomaly}"')[1].split("</tr>")[0]
    assert f'该使用异常已转为数据使用异议 <a href="/objections/{objection.id}">{objection.number}</a>' in form
    assert (
        f"已转为数据使用异议 {objection.number}" in provider_row and f"/objections/{objection.id}" not in provider_row
    )


def test_the_bureau_names_any_grant_also_in_full_width_and_a_third_unit_none(app, client, ready):
    grant_id, _ = _calls_outside_the_scenario(ready)
    with at("2026-03-25T11:00:00"):
        with ready() as s:
            number = s.get(Grant, grant_id).application.number
        login(client, "liuyang")  # the bureau may name it, also typed in full-width characters
        form = client.get(f"/objections/new?grant_number={number}")
        assert form.status_code == 200
        full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
        named = client.post(
            "/objections/new",
            data={
                "type": "usage_dispute",
                "grant_number": full_width,
                "facts": "该单位超出授权场景使用数据，用于招商引资企业核查",
                "request": "请核实并责令整改",
                "csrf_token": csrf_token(client, "/objections/new"),
            },
        )
        assert named.status_code == 302, text_of(named)
        third = app.test_client()
        login(third, "heming")  # 人社局, with no part in 民政局's grant of 公安局's data
        refused = third.post(
            "/objections/new",
            data={
                "type": "usage_dispute",
                "grant_number": number,
                "facts": "该单位超出授权场景使用数据，用于招商引资企业核查",
                "request": "请县大数据局核实并责令整改",
                "csrf_token": csrf_token(third, "/objections/new"),
            },
        )
        assert refused.status_code == 422 and "不是本单位获得或本单位数据的授权" in text_of(refused)


def test_a_coordinator_records_an_incident_from_an_anomaly_and_the_anomaly_shows_it(client, ready):
    with at("2026-03-25T10:00:00"):
        anomaly = _calls_under_no_grant(ready)
        login(client, "liuyang")
        form = client.get(f"/incidents/new?anomaly={anomaly}")
        page = form.get_data(as_text=True)
        assert form.status_code == 200 and "来自使用异常监测" in page and "无授权调用" in page
        account = html.unescape(re.search(r'name="account"[^>]*>([^<]*)<', page).group(1))
        data = {
            "unit_id": re.search(r'name="unit_id" value="(\d+)"', page).group(1),
            "anomaly_id": str(anomaly),
            "occurred_on": "2026-03-24",
            "account": account,
            "data_affected": html.unescape(re.search(r'name="data_affected"[^>]*>([^<]*)<', page).group(1)),
            "measures": "已责令停止调用并核查数据去向",
            "csrf_token": csrf_token(client, f"/incidents/new?anomaly={anomaly}"),
        }
        wrong_unit = client.post("/incidents/new", data=data | {"unit_id": data["unit_id"] + "0"})
        assert wrong_unit.status_code == 422 and "来自使用异常监测" in wrong_unit.get_data(as_text=True)
        recorded = client.post("/incidents/new", data=data)
        assert recorded.status_code == 302, text_of(recorded)
        again = client.post("/incidents/new", data=data)  # the back button, then 登记 once more
        assert again.status_code == 409 and "已登记为安全事件" in text_of(again)
        reopened = client.get(f"/incidents/new?anomaly={anomaly}")
        assert reopened.status_code == 302 and reopened.headers["Location"] == recorded.headers["Location"]
        usage = client.get(f"/usage/?unit={data['unit_id']}").get_data(as_text=True)
    assert "已登记安全事件" in usage and f"/incidents/new?anomaly={anomaly}" not in usage
    with ready() as s:
        incident = s.scalar(select(Incident).order_by(Incident.id.desc()))
        assert (incident.anomaly_id, incident.source, incident.grant_id) == (anomaly, IncidentSource.ANOMALY, None)
        assert "无授权调用" in incident.account


def test_an_anomaly_of_another_unit_or_no_anomaly_is_not_found_for_a_unit_admin(client, ready):
    with at("2026-03-25T10:00:00"):
        anomaly = _calls_under_no_grant(ready)  # 民政局's calls of 公安局's data
        login(client, "heming")  # a 目录管理员 of a unit with no part in them
        assert client.get(f"/incidents/new?anomaly={anomaly}").status_code == 404
        assert client.get("/incidents/new?anomaly=abc").status_code == 422
        assert client.get(f"/objections/new?anomaly={anomaly}").status_code == 200  # an empty form, nothing told


def test_the_grantees_first_responsible_person_sees_its_usage_and_anomalies(client, ready):
    with at("2026-03-25T10:00:00"):
        _calls_under_no_grant(ready)
        login(client, "wugang")  # 县民政局 第一责任人, who holds no role
        assert 'id="responsible-usage"' in client.get("/").get_data(as_text=True)
        page = client.get("/usage/")
    assert (
        page.status_code == 200
        and "无授权调用" in text_of(page)
        and 'id="explanation-' not in page.get_data(as_text=True)
    )


def test_an_anomaly_named_by_a_scorecard_opens_in_its_units_list_for_the_bureau_and_the_provider(app, client, ready):
    with at("2026-03-25T10:00:00"):
        anomaly = _calls_under_no_grant(ready)
        with ready() as s:
            mzj, gaj = (s.scalar(select(Unit.id).where(Unit.code == code)) for code in ("mzj", "gaj"))
        login(client, "liuyang")
        assert (
            client.get(f"/usage/anomalies/{anomaly}")
            .headers["Location"]
            .endswith(f"/usage/?unit={mzj}#anomaly-{anomaly}")
        )
        provider = app.test_client()
        login(provider, "huangtao")
        assert (
            provider.get(f"/usage/anomalies/{anomaly}").headers["Location"].endswith(f"?unit={gaj}#anomaly-{anomaly}")
        )
        third = app.test_client()
        login(third, "heming")
        assert third.get(f"/usage/anomalies/{anomaly}").status_code == 404


def test_an_explanation_ending_in_a_full_stop_is_quoted_in_the_prefilled_facts_with_one(app, client, ready):
    with at("2026-03-25T10:00:00"):
        anomaly = _calls_under_no_grant(ready)
        login(client, "machao")
        said = "3 月 24 日为低保复核批量核验，授权 SQ2026000001 已在审批中，已暂停调用。"
        token = csrf_token(client, "/usage/")
        client.post(f"/usage/anomalies/{anomaly}/explain", data={"explanation": said, "csrf_token": token})
        bureau = app.test_client()
        login(bureau, "lina")
        form = text_of(bureau.get(f"/incidents/new?anomaly={anomaly}"))
    assert "已暂停调用。" in form and "。。" not in form
