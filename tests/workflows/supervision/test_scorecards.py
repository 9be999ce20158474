"""单位考核: a month's cards equal what a person counts by hand, each figure lists its cases, weights change only
what lies ahead, and a unit sees its own detail only."""

import pytest

from sqlalchemy import select

from tests.helpers import at, decide, person, unit
from workflows.models import AccountKind, Person, Scorecard, UsageSource
from workflows.usage import ingest as usage_ingest
from workflows.errors import NotFound, ValidationFailed
from workflows.incidents import service as incidents
from workflows.supervision import periods, scorecards, weights


def card(sessions, code: str, period: str = "2026-03"):
    with sessions() as s:
        return next(c for c in scorecards.cards_for(s, periods.parse_period(period)) if c.unit_id == unit(s, code).id)


def test_the_review_part_of_a_month_is_what_a_person_counts(march_reviews):
    with at("2026-04-02T09:00:00"):
        review = card(march_reviews, "gaj").part("review")
    figures = {f.label: f for f in review.figures}
    assert figures["按期审核"].value == 2 and figures["逾期审核（含逾期未办）"].value == 2
    assert figures["平均审核用时（工作日）"].value == round((2 + 1 + 8) / 3, 1)
    assert figures["退回补正"].value == 1
    assert review.score == 50.0  # 2 of 4 in time, nothing overturned
    assert all("县民政局申请「户籍人口基本信息」" in c["label"] for c in figures["逾期审核（含逾期未办）"].cases)


def test_the_score_weighs_the_parts_with_the_default_weights_and_ranks_the_units(march_reviews):
    with at("2026-04-02T09:00:00"):
        police = card(march_reviews, "gaj")
        with march_reviews() as s:
            cards = scorecards.cards_for(s, periods.parse_period("2026-03"))
    parts = {p.key: p for p in police.parts}
    expected = sum(parts[k].score * w for k, w in weights.DEFAULT_WEIGHTS.items()) / 100
    assert police.score == round(expected, 1)
    assert [c.rank for c in cards] == sorted(c.rank for c in cards) and cards[0].rank == 1
    assert police.rank == 1 + sum(c.score > police.score for c in cards)


def test_a_weight_change_applies_from_a_month_ahead_and_a_period_begun_keeps_its_weights(march_reviews):
    only_review = {"catalog": 0, "review": 100, "objections": 0, "security": 0, "responsibility": 0}
    with at("2026-04-02T09:00:00"):
        march, april = card(march_reviews, "gaj").score, card(march_reviews, "gaj", "2026-04").score
        with march_reviews.begin() as s:
            weights.set_weights(s, person(s, "lina"), "2026-05", only_review)
        assert card(march_reviews, "gaj").score == march
        assert card(march_reviews, "gaj", "2026-04").score == april  # April had begun: its weights stay
        with march_reviews.begin() as s, pytest.raises(ValidationFailed) as refused:
            weights.set_weights(s, person(s, "lina"), "2026-04", only_review)
    assert "权重只能从下个月（2026-05）起调整" in refused.value.details[0]
    with at("2026-05-04T09:00:00"):
        may = card(march_reviews, "gaj", "2026-05")
    assert may.score == may.part("review").score


def test_a_closed_month_is_kept_as_first_computed(march_reviews):
    with at("2026-04-02T09:00:00"):
        kept = card(march_reviews, "gaj").score
    with at("2026-04-03T09:00:00"):
        decide(
            march_reviews, march_reviews.open_review, decision="approve"
        )  # the open review of March is decided in April
        assert card(march_reviews, "gaj").score == kept


def test_a_unit_sees_its_own_detail_and_the_bureau_every_units(march_reviews):
    period = periods.parse_period("2026-03")
    with at("2026-04-02T09:00:00"), march_reviews() as s:
        police = unit(s, "gaj").id
        assert scorecards.card_of(s, person(s, "huangtao"), period, police).unit_name == "县公安局"
        assert scorecards.card_of(s, person(s, "lina"), period, police).unit_name == "县公安局"
        with pytest.raises(NotFound):
            scorecards.card_of(s, person(s, "machao"), period, police)


@pytest.mark.parametrize(
    "text, key, label",
    [("2026-11", "2026-11", "2026年11月"), ("2026-q4", "2026-Q4", "2026年第四季度"), ("2026", "2026", "2026年")],
)
def test_a_period_is_a_month_a_quarter_or_a_year(text, key, label):
    period = periods.parse_period(text)
    assert (period.key, period.label) == (key, label)


def test_a_period_that_is_none_says_how_to_write_one():
    with pytest.raises(ValidationFailed) as refused:
        periods.parse_period("上个月")
    assert "请按 2026-11（月）、2026-Q4（季度）或 2026（年）填写" in refused.value.details[0]


def test_the_periodic_pass_keeps_the_month_and_quarter_just_ended_once(march_reviews):
    with at("2026-04-01T01:00:00"), march_reviews.begin() as s:
        assert scorecards.keep_closed(s) == 2  # 2026-03 and 2026-Q1; the year runs on
        assert scorecards.keep_closed(s) == 0
        kept = {row.period for row in s.scalars(select(Scorecard))}
    assert kept == {"2026-03", "2026-Q1"}


def test_an_incident_of_the_using_unit_costs_its_security_part_and_is_listed(march_reviews):
    with at("2026-03-25T10:00:00"), march_reviews.begin() as s:
        incidents.record_incident(
            s,
            person(s, "lina"),
            {
                "unit_id": unit(s, "mzj").id,
                "occurred_on": "2026-03-20",
                "account": "社会救助股一名经办人将核对结果表格发到了工作微信群，群内有非本单位人员",
                "data_affected": "姓名、公民身份号码，约 40 条",
                "measures": "已要求撤回并删除聊天记录，对经办人进行约谈",
            },
        )
    with at("2026-04-02T09:00:00"):
        security = card(march_reviews, "mzj").part("security")
        assert card(march_reviews, "gaj").part("security").score == 100.0
    assert security.score == 80.0
    listed = security.figures[0]
    assert listed.value == 1 and listed.cases[0]["kind"] == "incident" and "工作微信群" in listed.cases[0]["label"]


def test_the_use_part_lists_the_calls_as_user_and_provider_and_the_anomalies(march_reviews):
    with at("2026-03-25T10:00:00"), march_reviews.begin() as s:
        platform = s.scalar(select(Person).where(Person.account_kind == AccountKind.PLATFORM))
        records = [
            {
                "id": "m-1",
                "unit_code": "mzj",
                "resource_code": "XY-GA-001",
                "at": "2026-03-24T10:00:00+08:00",
                "call_type": "interface",
                "count": 200,
                "failed": 10,
                "scenario": "低保核对",
            },
        ]
        usage_ingest.ingest(s, platform, "march", "march", records, [], UsageSource.PLATFORM)
    with at("2026-04-02T09:00:00"):
        civil, police = card(march_reviews, "mzj").part("use"), card(march_reviews, "gaj").part("use")
    figures = {f.label: f for f in civil.figures}
    assert figures["调用共享数据（次）"].value == 200 and figures["调用失败率"].value == "5.0%"
    odd = figures["使用异常（每项注明使用单位是否已说明）"]
    assert odd.value == 1 and "无授权调用" in odd.cases[0]["label"] and "未说明" in odd.cases[0]["label"]
    assert {f.label: f.value for f in police.figures}["本单位数据被调用（次）"] == 200
