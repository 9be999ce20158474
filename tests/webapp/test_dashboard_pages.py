"""督导考核统计: the bureau sees the county and any unit, a unit only itself; every chart's table exports to Excel."""

import io

from openpyxl import load_workbook
from sqlalchemy import select

from tests.helpers import NARROWED, apply, at, decide, login, text_of, unit
from workflows.models import AccountKind, Person, UsageSource
from workflows.sharing import grants
from workflows.usage import ingest


def test_the_bureau_sees_the_county_and_chooses_a_unit(client, ready):
    with at("2026-02-13T10:00:00"):
        decide(ready, apply(ready), decision="approve")
        login(client, "lina")
        page = client.get("/supervision/")
        assert page.status_code == 200 and "全县" in text_of(page) and 'id="unit"' in page.get_data(as_text=True)
        with ready() as s:
            police = unit(s, "gaj").id
        one = client.get(f"/supervision/?unit={police}")
        assert one.status_code == 200 and "县公安局" in text_of(one)


def test_a_unit_sees_only_itself_and_asking_for_another_is_404(app, client, ready):
    login(client, "machao")
    page = client.get("/supervision/")
    assert page.status_code == 200 and "县民政局" in text_of(page) and 'id="unit"' not in page.get_data(as_text=True)
    with ready() as s:
        police = unit(s, "gaj").id
    assert client.get(f"/supervision/?unit={police}").status_code == 404
    assert client.get("/supervision/?unit=abc").status_code == 422


def test_every_chart_exports_its_table_to_excel(client, ready):
    with at("2026-02-13T10:00:00"):
        decide(ready, apply(ready), decision="approve")
        login(client, "lina")
        answer = client.get("/supervision/dashboard.xlsx")
    assert answer.status_code == 200 and answer.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames[:2] == ["月度趋势", "逾期办理"]
    trend = list(book["月度趋势"].iter_rows(values_only=True))
    assert trend[1][1:] == ("提交申请", "办结申请", "新增授权")
    february = next(row for row in trend if row[0] == "2026-02")
    assert february[1:] == (1, 1, 1)


def test_quality_by_class_and_level_counts_a_grant_that_left_requested_items_out(client, ready):
    with at("2026-02-13T10:00:00"):
        decide(ready, apply(ready), decision="approve", approved_items=["姓名", "公民身份号码"], reason=NARROWED)
        login(client, "lina")
        book = load_workbook(io.BytesIO(client.get("/supervision/dashboard.xlsx").data))
    quality = list(book["数据质量"].iter_rows(values_only=True))
    assert quality[1][1:] == (
        "可用性（调用成功率 %）",
        "时效性（按期更新的资源 %）",
        "准确性（认定成立的纠错和质量异议，件）",
        "完整性（少于申请信息项的授权，项）",
    )
    household = next(row for row in quality if row[0] == "基础·重要")  # 户籍人口基本信息's class and level
    assert household[4] == 1


def _calls(ready, records: list[dict]) -> None:
    with ready.begin() as s:
        platform = s.scalar(select(Person).where(Person.account_kind == AccountKind.PLATFORM))
        ingest.ingest(s, platform, "d", "d", records, [], UsageSource.PLATFORM)


def _call(key: str, count: int, **under) -> dict:
    at_time = "2026-02-20T10:00:00+08:00"
    return {"id": key, "at": at_time, "call_type": "interface", "count": count, "failed": 0, **under}


def _sheet(client, title: str) -> dict:
    book = load_workbook(io.BytesIO(client.get("/supervision/dashboard.xlsx").data))
    return {row[0]: row[1] for row in list(book[title].iter_rows(values_only=True))[2:] if row[1] is not None}


BY_RESOURCE, BY_SCENARIO = "调用最多的资源（前 10 位）", "按应用场景的调用（前 10 位）"


def test_the_most_used_resources_and_scenarios_come_from_the_reported_calls(app, client, ready):
    with at("2026-02-13T10:00:00"):
        app_id = apply(ready)
        decide(ready, app_id, decision="approve")
        with ready() as s:
            grant = grants.for_application(s, app_id)
            scenario, resource = grant.scenario, grant.resource.name  # 户籍人口基本信息, XY-GA-001
    with at("2026-02-21T10:00:00"):
        login(client, "lina")
        before = _sheet(client, BY_RESOURCE), _sheet(client, BY_SCENARIO)
        _calls(
            ready,
            [
                _call("a", 120, grant_id=grant.id, scenario=scenario),
                _call("b", 30, grant_id=grant.id, scenario=scenario),
                _call("c", 50, unit_code="rsj", resource_code="XY-GA-001", scenario="未申请的核验"),
            ],
        )
        by_resource, by_scenario = _sheet(client, BY_RESOURCE), _sheet(client, BY_SCENARIO)
        other = app.test_client()
        login(other, "heming")  # 人社局, whose calls were under no grant
        own = _sheet(other, BY_SCENARIO)
    assert by_resource[resource] - before[0].get(resource, 0) == 200
    assert by_scenario[scenario] == 150 and by_scenario["无授权调用"] - before[1].get("无授权调用", 0) == 50
    assert own.get("无授权调用", 0) >= 50 and scenario not in own
