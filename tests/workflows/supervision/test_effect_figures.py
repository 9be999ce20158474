"""Effect and quality added up by resource, provider, class and level, and the scorecard's effect figures: three of
县民政局's grants rated for 2026Q3 (5, 2 and 4), one of them late, with the platform's calls on one of them (a resource
without an interface, so the demo's own calls are not in its figures)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.helpers import COMPANY_CHECKS, at, decide, person, unit
from workflows.engine import tasks
from workflows.models import EffectRating
from workflows.supervision import effect, periods, quality, scorecards
from workflows.usage import ingest

PLANNING = COMPANY_CHECKS | {
    "resource_code": "XY-ZR-002",
    "items": ["许可证编号"],
    "scenario": "住房救助对象建房许可核对",
}
REFRESHED = [{"resource_code": "XY-ZR-002", "updated_at": "2026-10-02T06:00:00+08:00"}]  # monthly: 28 days before
SAID = "企业开办核验免交营业执照复印件 86 件，办理时间由半天缩短到十分钟"


@pytest.fixture
def rated(api):
    """Rated on 12 October in time (企业登记 5, 规划许可 2) and on 23 October late (户籍 4, reviewed by 县公安局)."""
    api.apply(**COMPANY_CHECKS)
    planning = api.apply(**PLANNING)["grant"]["id"]
    household_app = api.apply()["id"]
    decide(api.sessions, household_app, decision="approve")
    with at("2026-10-20T10:00:00"), api.sessions.begin() as s:
        platform = person(s, "platform")
        records = [
            {"id": "q-1", "grant_id": planning, "at": "2026-10-10T09:00:00+08:00", "call_type": "table"}
            | {"count": 100, "failed": 5, "scenario": PLANNING["scenario"]}
        ]
        report = ingest.ingest_json(
            s, platform, "q", json.dumps({"records": records, "resource_updates": REFRESHED}).encode()
        )
    assert report.accepted == 1 and report.resource_updates == 1
    with at("2026-10-08T08:00:00"), api.sessions.begin() as s:
        assert effect.start_due(s) == 3
    found = _ratings(api.sessions)
    for rating, usefulness, when in zip(found, (5, 2, 4), ("10-12", "10-12", "10-23")):
        task = _task(api.sessions, rating.id)
        with at(f"2026-{when}T10:00:00"), api.sessions.begin() as s:
            tasks.complete(s, person(s, "machao"), task, {"usefulness": usefulness, "effect": SAID})
    return api.sessions


def _ratings(sessions) -> list[EffectRating]:
    with sessions() as s:
        return list(s.scalars(select(EffectRating).order_by(EffectRating.id)))


def _task(sessions, rating_id: int) -> int:
    with sessions() as s:
        return tasks.case_tasks(s, "effect_rating", rating_id)[0].id


def _table(page, key: str) -> dict[str, list]:
    return {row[0]: row[1:] for row in next(t for t in page.tables if t.key == key).rows}


def test_effect_and_quality_add_up_by_resource_provider_class_and_level(rated):
    with at("2026-10-30T10:00:00"), rated() as s:
        page = quality.quality_page(s, person(s, "wanglei"))
    resources, providers = _table(page, "resource"), _table(page, "provider")
    classes, levels = _table(page, "class"), _table(page, "level")
    # 评价次数, 平均有用程度, 可用性 %, 时效性 %, 准确性, 完整性
    assert resources["XY-ZR-002 建设工程规划许可信息"] == [1, 2.0, 95.0, 100.0, 0, 0]  # 5 of 100 calls failed
    assert resources["XY-SJ-001 企业登记注册信息"][:2] == [1, 5.0]
    assert resources["XY-ZR-001 耕地保护图斑信息"][:3] == [0, "—", "—"]
    assert providers["县自然资源局"] == [1, 2.0, 95.0, 100.0, 0, 0]
    assert providers["县市场监督管理局"][:2] == [1, 5.0] and providers["县公安局"][:2] == [1, 4.0]
    assert classes["基础"][:2] == [2, 4.5]  # 企业登记 5 and 户籍 4
    assert classes["部门"][:2] == [1, 2.0]
    assert levels["一般"][:2] == [2, 3.5]  # 企业登记 5 and 规划许可 2
    assert levels["重要"][:2] == [1, 4.0]
    assert len(page.ratings) == 3


def test_a_month_adds_up_only_the_calls_and_ratings_made_in_it(rated):
    with at("2026-11-05T10:00:00"), rated() as s:
        october = quality.quality_page(s, person(s, "wanglei"), period=periods.parse_period("2026-10"))
        september = quality.quality_page(s, person(s, "wanglei"), period=periods.parse_period("2026-09"))
    assert _table(october, "resource")["XY-ZR-002 建设工程规划许可信息"][:3] == [1, 2.0, 95.0]
    assert _table(september, "resource")["XY-ZR-002 建设工程规划许可信息"][:3] == [0, "—", "—"]
    assert len(october.ratings) == 3 and september.ratings == [] and october.span == "2026年10月"


def test_a_unit_sees_the_effect_of_its_own_data_and_of_the_data_it_holds_only(rated):
    with at("2026-10-30T10:00:00"), rated() as s:
        provider = quality.quality_page(s, person(s, "huangtao"))
        grantee = quality.quality_page(s, person(s, "machao"))
    assert [r.grant.resource.code for r in provider.ratings] == ["XY-GA-001"]
    assert set(_table(provider, "provider")) == {"县公安局"}  # its own resources; it holds no grant
    assert len(grantee.ratings) == 3 and grantee.unit.name == "县民政局"
    assert {"县市场监督管理局", "县公安局", "县自然资源局", "县民政局"} <= set(_table(grantee, "provider"))


def test_the_scorecard_lists_ratings_due_in_time_late_and_the_usefulness_a_provider_s_data_received(rated):
    with at("2026-10-30T10:00:00"), rated() as s:
        cards = {c.unit_id: c for c in scorecards.compute(s, periods.parse_period("2026-10"))}
        civil = cards[unit(s, "mzj").id].part("effect").figures
        police = cards[unit(s, "gaj").id].part("effect").figures
    figures = {f.label: f for f in civil}
    assert figures["到期的使用效果评价（本单位作为获得授权的单位）"].value == 3
    assert figures["按期评价"].value == 2 and figures["逾期评价（含逾期未评）"].value == 1
    [late] = figures["逾期评价（含逾期未评）"].cases
    assert late["kind"] == "effect_rating" and "申请「户籍人口基本信息」：2026年第三季度使用效果评价" in late["label"]
    received = next(f for f in police if f.label.startswith("本单位数据获得的平均有用程度"))
    assert received.value == 4.0 and [c["kind"] for c in received.cases] == ["effect_rating"]
    assert cards[unit(s, "mzj").id].part("effect").weight == 0  # listed, not scored: past cards keep their scores
