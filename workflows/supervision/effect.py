"""使用效果评价 (四(四)): on the first working day of each quarter the unit holding an active grant is asked how useful
the data was in the quarter that ended and what it achieved; reminded, then escalated to the bureau, never decided by
a timer. It lives beside the scorecard because the bureau evaluates with it (六(三)), and it reads grants' visibility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflows import audit, calendar, case_names, clock, engine, reasons
from workflows.errors import NotFound
from workflows.models import EffectRating, Grant, GrantStatus, HumanTask, Person, RatingStatus, quarter_label
from workflows.sharing import visibility

PROCESS = "effect_rating"
RATE_TASK = "er_rate"
EFFECT_HINT = "请写明本季度用这项数据办成了什么，最好有数字，如：减少群众提交户籍证明材料 120 件"
MIN_EFFECT = 6  # distinct Chinese characters of substance: "减少群众提交材料 n 件" has nine

CONTRACT = engine.ProcessContract(
    PROCESS,
    tasks={RATE_TASK: engine.TaskContract("评价使用效果", "applicant", "unit_id", ("usefulness", "effect", "comment"))},
)


def quarter_of(day: date) -> str:
    """2026-11-05 → 2026Q4."""
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def previous_quarter(day: date) -> str:
    """The quarter that ended before the one the day is in: what is rated in it."""
    return quarter_of(calendar.month_start(quarter_start(day), -3))


def first_working_day(session: Session, day: date) -> date:
    """The first working day of the day's quarter (2027-01-04 for a quarter that opens on New Year's Day)."""
    return calendar.first_working_day_from(session, quarter_start(day))


def start_due(session: Session) -> int:
    """The periodic pass: from the quarter's first working day on, one rating per grant active today and granted
    before the quarter began, for the quarter that ended; a grant already asked is skipped, so passes run twice (or
    by two schedulers at once) ask once. Returns how many were started."""
    today = clock.today()
    if today < first_working_day(session, today) or engine.latest_version(session, PROCESS) is None:
        return 0  # not yet the day; or an upgrade whose diagrams are not deployed yet (deploy-bpmn): asked once it is
    quarter, began = previous_quarter(today), clock.start_of_day(quarter_start(today))
    asked = select(EffectRating.grant_id).where(EffectRating.quarter == quarter)
    due = session.scalars(
        select(Grant)
        .where(
            Grant.status == GrantStatus.ACTIVE,
            Grant.valid_from <= today,
            Grant.valid_until >= today,
            Grant.created_at < began,
            Grant.id.not_in(asked),
        )
        .order_by(Grant.id)
    ).all()
    return sum(_open(session, grant, quarter, today) for grant in due)


def _open(session: Session, grant: Grant, quarter: str, today: date) -> bool:
    """One grant's rating and its case, or nothing when another pass made it meanwhile (the unique key says so)."""
    try:
        with session.begin_nested():
            rating = EffectRating(grant_id=grant.id, quarter=quarter, opened_at=clock.now())
            session.add(rating)
            session.flush()
            data = {
                "rating_id": rating.id,
                "grant_id": grant.id,
                "unit_id": grant.unit_id,
                "quarter": quarter,
                "opened_on": today.isoformat(),
            }
            instance = engine.start(session, PROCESS, None, grant.unit_id, data, subject=("effect_rating", rating.id))
            rating.instance_id = instance.id
            task = _task(session, rating)
            rating.due_on = clock.local(task.due_at).date() if task is not None and task.due_at else None
            audit.record(
                session,
                None,
                "effect_rating",
                rating.id,
                "effect_rating:opened",
                None,
                {"grant": grant.id, "quarter": quarter, "due_on": rating.due_on.isoformat() if rating.due_on else None},
                unit_id=grant.unit_id,
            )
        return True
    except IntegrityError:
        return False


def _task(session: Session, rating: EffectRating) -> HumanTask | None:
    return session.scalar(
        select(HumanTask)
        .where(HumanTask.instance_id == rating.instance_id, HumanTask.task_key == RATE_TASK)
        .order_by(HumanTask.id.desc())
        .limit(1)
    )


def effect_check(effect: str, data: dict) -> str | None:
    """The x-check "effect_statement": the effect says something specific, not "很好" or "有效果"."""
    return reasons.reason_problem(effect, "使用效果", minimum=MIN_EFFECT, hint=EFFECT_HINT)


def rated(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """评价使用效果 done: the rating is kept with who, when and whether it came in time."""
    rating = session.get(EffectRating, int(task.instance.subject_id))
    now = clock.now()
    rating.usefulness = int(data["usefulness"])
    rating.effect = data["effect"].strip()
    rating.comment = (data.get("comment") or "").strip()
    rating.rated_by_id, rating.rated_at = actor.id, now
    rating.on_time = not task.is_overdue(now)
    rating.status = RatingStatus.DONE
    audit.record(
        session,
        actor.id,
        "effect_rating",
        rating.id,
        "effect_rating:rated",
        {"status": RatingStatus.OPEN.value},
        {"status": RatingStatus.DONE.value, "usefulness": rating.usefulness, "on_time": rating.on_time},
    )
    return data


def rating_visible(person: Person, rating: EffectRating) -> bool:
    """A rating is seen by whoever may see its grant: the two units and the bureau."""
    return visibility.grant_visible(person, rating.grant)


def case_visible(session: Session, person: Person, subject_id: str | None) -> bool:
    rating = session.get(EffectRating, int(subject_id)) if (subject_id or "").isdigit() else None
    return rating is not None and rating_visible(person, rating)


def get_rating(session: Session, actor: Person, rating_id: int) -> EffectRating:
    rating = session.get(EffectRating, rating_id)
    if rating is None or not rating_visible(actor, rating):
        raise NotFound("使用效果评价不存在")
    return rating


def ratings_of_grant(session: Session, grant: Grant) -> list[EffectRating]:
    """A grant's ratings, newest quarter first (the grant's page shows them to whoever may see the grant)."""
    return list(
        session.scalars(
            select(EffectRating).where(EffectRating.grant_id == grant.id).order_by(EffectRating.quarter.desc())
        )
    )


def rating_name(rating: EffectRating) -> str:
    grant = rating.grant
    return case_names.effect_rating_name(grant.application.number, grant.unit.name, grant.resource.name, rating.quarter)


@dataclass
class RatingCase:
    """What the 评价使用效果 task page shows beside the form: the grant rated and the ratings before."""

    rating: EffectRating
    earlier: list[EffectRating]
    quarter: str
    kind: str = "effect_rating"
    opinions: tuple = ()


def rating_case(session: Session, person: Person, task: HumanTask) -> RatingCase | None:
    if not (task.instance.subject_id or "").isdigit():
        return None
    rating = session.get(EffectRating, int(task.instance.subject_id))
    earlier = [
        r for r in ratings_of_grant(session, rating.grant) if r.id != rating.id and r.status == RatingStatus.DONE
    ]
    return RatingCase(rating, earlier, quarter_label(rating.quarter))
