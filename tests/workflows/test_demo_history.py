"""The demo's past months: cases decided in time and late, a return, a rejection and one review open past its day,
seeded once, which the scorecard then counts."""

from sqlalchemy import func, select

from tests.helpers import at, person, unit
from workflows import demo_history
from workflows.models import AnomalyKind, Application, ApplicationStatus, EffectRating, UsageAnomaly, UsageDaily
from workflows.supervision import periods, quality, scorecards


def test_the_demo_history_is_seeded_once_and_the_scorecard_counts_its_late_review(ready):
    with at("2026-12-07T10:00:00"):
        assert demo_history.seed_history(ready) == len(demo_history.CASES)
        assert demo_history.seed_history(ready) == 0
        with ready() as s:
            statuses = dict(s.execute(select(Application.status, func.count()).group_by(Application.status)).all())
            october = scorecards.cards_for(s, periods.parse_period("2026-10"))
            civil = next(c for c in october if c.unit_id == unit(s, "mzj").id)
            history_calls = s.scalar(select(func.sum(UsageDaily.count)).where(UsageDaily.grant_key > 0))
            anomalies_of_history = [a.kind for a in s.scalars(select(UsageAnomaly).where(UsageAnomaly.grant_key > 0))]
    assert statuses == {
        ApplicationStatus.APPROVED: 7,
        ApplicationStatus.REJECTED: 1,
        ApplicationStatus.RETURNED: 1,
        ApplicationStatus.IN_REVIEW: 1,
    }
    late = next(f for f in civil.part("review").figures if f.label == "逾期审核（含逾期未办）")
    # the grants' calls, reported as the platform would: within their grants but one call for another scenario
    assert anomalies_of_history == [AnomalyKind.SCENARIO] and history_calls > 0
    assert late.value == 1 and "县教育体育局申请「最低生活保障对象信息」" in late.cases[0]["label"]
    assert civil.part("review").score == 0.0


def test_the_demo_s_grantees_have_rated_the_quarter_that_ended_and_one_rating_is_overdue(ready):
    with at("2026-12-07T10:00:00"):
        demo_history.seed_history(ready)
        with ready() as s:
            found = s.scalars(select(EffectRating).order_by(EffectRating.id)).all()
            page = quality.quality_page(s, person(s, "wanglei"))
    assert {r.quarter for r in found} == {"2026Q3"}
    assert sorted((r.status.value, r.usefulness) for r in found) == [("done", 4), ("done", 5), ("open", None)]
    assert all(r.on_time for r in found if r.status == "done")
    by_level = {row[0]: row for row in next(t for t in page.tables if t.key == "level").rows}
    assert sum(row[1] for row in by_level.values()) == 2  # both ratings given, under their resources' levels
