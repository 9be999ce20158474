"""谁使用谁负责: the using unit explains an anomaly of its calls, once; the provider reads it and may dispute the use."""

from sqlalchemy import func, select

from tests.helpers import apply, at, csrf_token, decide, login, text_of
from workflows.models import AccountKind, Person, UsageAnomaly, UsageSource
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
        assert vague.status_code == 302
        assert "请写明具体情况" in text_of(client.get(vague.headers["Location"]))
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


def test_the_provider_is_offered_a_usage_dispute_on_an_anomaly_under_a_grant(app, client, ready):
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
    with at("2026-03-25T11:00:00"):
        login(client, "huangtao")
        page = client.get("/usage/").get_data(as_text=True)
        assert f"/objections/new?type=usage_dispute&amp;grant={grant.id}" in page


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
