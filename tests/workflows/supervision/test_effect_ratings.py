"""使用效果评价: on the quarter's first working day each active grant's unit is asked to rate the quarter that ended,
once however many passes run; the rating is checked, done only by the grantee's applicants, reminded and escalated
but never decided by a timer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from notifications.email import SmtpSettings
from tests.helpers import Api, COMPANY_CHECKS, PRODUCT_BPMN_DIR, PRODUCT_FORMS, at, inbox_subjects, person, race
from workflows import engine as wf_engine
from workflows import operations
from workflows.engine import sweep, tasks
from workflows.errors import Forbidden, NotFound, ValidationFailed
from workflows.models import (
    AuditEvent,
    EffectRating,
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    RatingStatus,
    TaskStatus,
)
from workflows.sharing import grants
from workflows.supervision import effect

GOOD = {"usefulness": "4", "effect": "企业开办核验免交营业执照复印件 86 件，办理时间由半天缩短到十分钟"}
FIRST_WORKING_DAY = "2026-10-08T08:00:00"  # 1–7 October 2026 is the National Day holiday


@pytest.fixture
def granted(api) -> dict[str, int]:
    """Three of 县民政局's grants from 13 February 2026: one to run on, one ending in September, one revoked."""
    active = api.apply(**COMPANY_CHECKS)["grant"]["id"]
    ending = api.apply(**COMPANY_CHECKS | {"scenario": "社会组织登记核验", "valid_until": "2026-09-30"})["grant"]["id"]
    revoked = api.apply(**COMPANY_CHECKS | {"scenario": "慈善组织认定核验"})["grant"]["id"]
    with at("2026-06-01T10:00:00"), api.sessions.begin() as s:
        grants.revoke(s, person(s, "zhenghui"), revoked, "慈善组织认定改由民政部门系统直接核验，不再使用该授权")
    return {"active": active, "ending": ending, "revoked": revoked}


def start(sessions, when: str) -> int:
    with at(when), sessions.begin() as s:
        return effect.start_due(s)


def ratings(sessions) -> list[EffectRating]:
    with sessions() as s:
        return list(s.scalars(select(EffectRating).order_by(EffectRating.id)))


def rating_task(sessions, rating_id: int) -> HumanTask:
    with sessions() as s:
        return next(t for t in tasks.case_tasks(s, "effect_rating", rating_id) if t.task_key == effect.RATE_TASK)


def rate(sessions, rating_id: int, username: str = "machao", when: str = "2026-10-12T10:00:00", **data):
    task_id = rating_task(sessions, rating_id).id
    with at(when), sessions.begin() as s:
        tasks.complete(s, person(s, username), task_id, GOOD | data)


def test_the_quarter_s_rating_waits_for_its_first_working_day_after_the_holiday(api, granted):
    assert start(api.sessions, "2026-10-01T09:00:00") == 0
    assert start(api.sessions, "2026-10-07T18:00:00") == 0
    assert ratings(api.sessions) == []


def test_the_first_working_day_opens_one_rating_per_active_grant_once_for_the_quarter_that_ended(api, granted):
    assert start(api.sessions, FIRST_WORKING_DAY) == 1
    assert start(api.sessions, FIRST_WORKING_DAY) == 0  # a second pass (or scheduler) starts nothing
    assert start(api.sessions, "2026-10-20T08:00:00") == 0
    [rating] = ratings(api.sessions)
    assert (rating.grant_id, rating.quarter, rating.status) == (granted["active"], "2026Q3", RatingStatus.OPEN)
    task = rating_task(api.sessions, rating.id)
    assert task.role == "applicant" and task.status == TaskStatus.OPEN
    assert rating.due_on.isoformat() == "2026-10-21"  # 10 working days from 8 October
    with api.sessions() as s:
        assert task.unit_id == person(s, "machao").unit_id
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "effect_rating")).all()
    assert actions == ["effect_rating:opened"]
    assert any("2026年第三季度使用效果评价" in subject for subject in inbox_subjects(api.sessions, "machao"))


def test_a_grant_made_after_the_quarter_began_waits_for_the_next_quarter(api):
    with at("2026-10-09T10:00:00"):
        api.apply(**COMPANY_CHECKS)
    assert start(api.sessions, "2026-10-09T11:00:00") == 0


def test_the_grantee_s_applicant_rates_and_the_rating_is_kept_on_time(api, granted):
    start(api.sessions, FIRST_WORKING_DAY)
    [rating] = ratings(api.sessions)
    rate(api.sessions, rating.id, comment="希望增加企业注销日期信息项")
    [done] = ratings(api.sessions)
    assert (done.status, done.usefulness, done.on_time) == (RatingStatus.DONE, 4, True)
    assert done.effect == GOOD["effect"] and done.comment == "希望增加企业注销日期信息项"
    with api.sessions() as s:
        assert done.rated_by_id == person(s, "machao").id
        assert s.get(ProcessInstance, done.instance_id).status == InstanceStatus.COMPLETED
        assert "effect_rating:rated" in s.scalars(select(AuditEvent.action)).all()


@pytest.mark.parametrize(
    ("data", "said"),
    [
        ({"usefulness": "0"}, "有用程度"),
        ({"usefulness": "6"}, "有用程度"),
        ({"usefulness": "很有用"}, "有用程度"),
        ({"effect": ""}, "使用效果"),
        ({"effect": "效果很好很好"}, "使用效果"),
        ({"effect": "减少材料" * 300}, "使用效果"),
        ({"comment": "建" * 1001}, "意见建议"),
    ],
)
def test_a_rating_that_says_nothing_or_too_much_is_refused_in_chinese(api, granted, data, said):
    start(api.sessions, FIRST_WORKING_DAY)
    [rating] = ratings(api.sessions)
    with pytest.raises(ValidationFailed) as refused:
        rate(api.sessions, rating.id, **data)
    assert said in str(refused.value.details) and ratings(api.sessions)[0].status == RatingStatus.OPEN


@pytest.mark.parametrize(
    ("username", "error"),
    [("zhenghui", Forbidden), ("huangtao", NotFound), ("sunjie", Forbidden), ("wanglei", Forbidden)],
)
def test_the_provider_another_unit_or_the_bureau_cannot_rate(api, granted, username, error):
    """郑辉 keeps the provider's (县市场监管局) data; 黄涛 of 县公安局 is not told the case exists; 孙杰 is 县民政局's
    reviewer, not an applicant; 王磊 of the bureau sees the case but does not rate for the unit."""
    start(api.sessions, FIRST_WORKING_DAY)
    [rating] = ratings(api.sessions)
    with pytest.raises(error):
        rate(api.sessions, rating.id, username=username)
    assert ratings(api.sessions)[0].status == RatingStatus.OPEN


def test_reminded_on_the_last_day_escalated_after_it_and_still_open(api, granted):
    start(api.sessions, FIRST_WORKING_DAY)
    [rating] = ratings(api.sessions)
    with at("2026-10-21T09:00:00"):
        sweep.sweep(api.sessions)
    assert any(s.startswith("【催办】评价使用效果") for s in inbox_subjects(api.sessions, "machao"))
    with at("2026-10-22T09:00:00"):
        sweep.sweep(api.sessions)
    assert any(s.startswith("【督办】县民政局“评价使用效果”已逾期") for s in inbox_subjects(api.sessions, "wanglei"))
    assert rating_task(api.sessions, rating.id).status == TaskStatus.OPEN
    with api.sessions() as s:
        supervise = s.scalar(select(HumanTask).where(HumanTask.task_key == "er_supervise"))
        assert supervise is not None and supervise.status == TaskStatus.OPEN
    rate(api.sessions, rating.id, when="2026-10-23T10:00:00")
    assert ratings(api.sessions)[0].on_time is False


def test_the_periodic_pass_says_how_many_ratings_it_opened(api, granted):
    with at(FIRST_WORKING_DAY):
        result = operations.run_once(api.sessions, SmtpSettings(host=""))
    assert result.ratings_opened == 1 and "发起上季度使用效果评价 1 项" in result.summary()


def test_two_schedulers_at_once_open_the_quarter_s_rating_once(api, granted, committing_sessions):
    with at(FIRST_WORKING_DAY):
        outcomes = race(committing_sessions, effect.start_due, effect.start_due)
    assert outcomes == ["ok", "ok"]
    assert [(r.grant_id, r.quarter) for r in ratings(committing_sessions)] == [(granted["active"], "2026Q3")]
    with committing_sessions() as s:
        assert len(tasks.case_tasks(s, "effect_rating", ratings(committing_sessions)[0].id)) == 1


def test_the_pass_waits_while_the_rating_process_is_not_deployed(client, sessions, demo_catalog):
    """An upgrade whose shipped diagrams are not deployed yet: the grant is not asked, and the pass runs on."""
    with sessions.begin() as s:
        wf_engine.deploy(
            s, (PRODUCT_BPMN_DIR / "data_application.bpmn").read_text(encoding="utf-8"), PRODUCT_FORMS, None
        )
    with at("2026-02-13T10:00:00"):
        Api(client, sessions).apply(**COMPANY_CHECKS)
    assert start(sessions, FIRST_WORKING_DAY) == 0 and ratings(sessions) == []
