"""The parts of a unit's card (单位考核): the records a period reads, once for every unit, and each part's score and
figures with the cases that made them. What the weights make of them is scorecards.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import calendar, case_names, clock
from workflows.models import (
    EffectRating,
    RatingStatus,
    Grant,
    HumanTask,
    Incident,
    UsageAnomaly,
    UsageDaily,
    Objection,
    ObjectionOutcome,
    ObjectionType,
    ProcessInstance,
    ProcessVersion,
    Resource,
    ResourceStatus,
    Responsibility,
    ResponsibilityKind,
    TaskStatus,
    Unit,
)
from workflows.supervision import effect
from workflows.supervision.periods import Period

REVIEW = ("data_application", "da_review")  # (process, task): the provider's review
CATALOG_TASKS = (("catalog_update", "cu_update"), ("objection", "ob_correct"))  # 更新目录, 纠正目录或数据
EFFECT = (effect.PROCESS, effect.RATE_TASK)  # 评价使用效果, by the unit holding the grant
LATE_REVIEWS = "逾期审核（含逾期未办）"  # the monthly report reads this figure by its label
DRAFT_DAYS = 10  # working days a draft may wait before it counts as left unpublished (四(二): publish promptly)


# --- what a card holds -----------------------------------------------------------------------------------------
@dataclass
class Figure:
    label: str
    value: int | float | str
    cases: list[dict] = field(default_factory=list)  # {"kind", "id", "label"}: what made the figure


@dataclass
class Part:
    key: str
    label: str
    rule: str
    weight: int
    score: float
    figures: list[Figure]


@dataclass
class Card:
    unit_id: int
    unit_name: str
    score: float
    rank: int
    parts: list[Part]

    def part(self, key: str) -> Part | None:
        return next((p for p in self.parts if p.key == key), None)


def _case(kind: str, ident, label: str) -> dict:
    return {"kind": kind, "id": ident, "label": label}


def _rate(on_time: int, late: int) -> float:
    return 100.0 if on_time + late == 0 else 100.0 * on_time / (on_time + late)


# --- the records a period reads --------------------------------------------------------------------------------
@dataclass
class _Records:
    """What one period's cards are computed from, read once for every unit."""

    start: datetime
    end: datetime  # the period's end, or now while it runs
    tasks: list  # (task, process key): reviews, catalog updates and corrections due or done in the period
    names: dict[int, str]  # case names by instance id
    objections: list[Objection]  # raised against a unit, raised or closed in the period
    published: list[Resource]
    drafts: list[Resource]  # left unpublished for more than DRAFT_DAYS working days
    responsible: dict[int, set]
    grants: list[Grant]
    incidents: list[Incident]  # recorded in the period (one reported late counts when it is recorded)
    calls: list  # (using unit, provider unit, calls, failed) from the daily rollups of the period
    anomalies: list[UsageAnomaly]
    ratings: list[EffectRating]  # effect ratings given in the period


def records_of(session: Session, period: Period, now: datetime) -> _Records:
    start, end = period.start_at, min(period.end_at, now)
    keys = [REVIEW, *CATALOG_TASKS, EFFECT]
    in_period = (HumanTask.due_at >= start) & (HumanTask.due_at < end)
    done_in_period = (HumanTask.completed_at >= start) & (HumanTask.completed_at < end)
    rows = session.execute(
        select(HumanTask, ProcessVersion.process_key)
        .join(ProcessInstance, HumanTask.instance_id == ProcessInstance.id)
        .join(ProcessVersion, ProcessInstance.process_version_id == ProcessVersion.id)
        .where(HumanTask.unit_id.is_not(None), HumanTask.task_key.in_([k for _, k in keys]))
        .where(in_period | done_in_period)
    ).all()
    tasks = [(task, process) for task, process in rows if (process, task.task_key) in keys]
    last_day = min(date.fromordinal(period.end.toordinal() - 1), clock.local(now).date())
    draft_limit = calendar.subtract_working_days(session, last_day, DRAFT_DAYS).day
    drafts = session.scalars(select(Resource).where(Resource.status == ResourceStatus.DRAFT))
    return _Records(
        start=start,
        end=end,
        tasks=tasks,
        names=case_names.for_tasks(session, [t for t, _ in tasks]),
        objections=list(
            session.scalars(
                select(Objection).where(
                    Objection.concerned_unit_id.is_not(None),
                    ((Objection.created_at >= start) & (Objection.created_at < end))
                    | ((Objection.closed_at >= start) & (Objection.closed_at < end)),
                )
            )
        ),
        published=list(
            session.scalars(
                select(Resource).where(Resource.published_on >= period.start, Resource.published_on <= last_day)
            )
        ),
        drafts=[r for r in drafts if clock.local(r.updated_at).date() <= draft_limit],
        responsible=_responsible(session),
        grants=list(session.scalars(select(Grant).where(Grant.created_at >= start, Grant.created_at < end))),
        incidents=list(
            session.scalars(select(Incident).where(Incident.recorded_at >= start, Incident.recorded_at < end))
        ),
        calls=session.execute(
            select(
                UsageDaily.unit_id, Resource.provider_unit_id, func.sum(UsageDaily.count), func.sum(UsageDaily.failed)
            )
            .join(Resource, UsageDaily.resource_id == Resource.id)
            .where(UsageDaily.day >= period.start, UsageDaily.day <= last_day)
            .group_by(UsageDaily.unit_id, Resource.provider_unit_id)
        ).all(),
        anomalies=list(
            session.scalars(select(UsageAnomaly).where(UsageAnomaly.day >= period.start, UsageAnomaly.day <= last_day))
        ),
        ratings=list(
            session.scalars(
                select(EffectRating).where(
                    EffectRating.status == RatingStatus.DONE,
                    EffectRating.rated_at >= start,
                    EffectRating.rated_at < end,
                )
            )
        ),
    )


def _responsible(session: Session) -> dict[int, set]:
    named: dict[int, set] = {}
    for unit_id, kind in session.execute(select(Responsibility.unit_id, Responsibility.kind)):
        named.setdefault(unit_id, set()).add(ResponsibilityKind(kind))
    return named


# --- the parts -------------------------------------------------------------------------------------------------
def _entry(resource: Resource) -> dict:
    return _case("resource", resource.code, f"{resource.code}「{resource.name}」")


def _objection(objection: Objection) -> dict:
    return _case("objection", objection.id, case_names.objection_name(objection))


def _task_case(records: _Records, task: HumanTask) -> dict:
    """A task's figure opens its case (the application, the catalog change, the objection)."""
    subject = task.instance.subject_id or ""
    ident = int(subject) if subject.isdigit() else subject
    return _case(task.instance.subject_type or "", ident, records.names.get(task.instance_id, task.name))


def _timeliness(records: _Records, unit_id: int, keys) -> tuple[list, list, list]:
    """The unit's tasks due in the period, done in time and late (done late, or still open past the deadline);
    and those done in the period. A task closed in time because its case ended counts neither way."""
    on_time, late, done, end = [], [], [], records.end
    for task, process in records.tasks:
        if task.unit_id != unit_id or (process, task.task_key) not in keys:
            continue
        finished = task.completed_at if task.completed_at is not None and task.completed_at < end else None
        if finished is not None and task.status == TaskStatus.COMPLETED:
            done.append(task)
        if task.due_at is None or not records.start <= task.due_at < end:
            continue
        case = _task_case(records, task)
        if (finished or end) > task.due_at:
            late.append(case)
        elif finished is not None and task.status == TaskStatus.COMPLETED:
            on_time.append(case)
    return on_time, late, done


def _catalog(session: Session, records: _Records, unit: Unit) -> tuple[float, list[Figure]]:
    on_time, late, _ = _timeliness(records, unit.id, CATALOG_TASKS)
    drafts = [_entry(r) for r in records.drafts if r.provider_unit_id == unit.id]
    published = [_entry(r) for r in records.published if r.provider_unit_id == unit.id]
    return max(0.0, _rate(len(on_time), len(late)) - 5 * len(drafts)), [
        Figure("发布目录条目", len(published), published),
        Figure(f"超过 {DRAFT_DAYS} 个工作日未发布的草稿", len(drafts), drafts),
        Figure("目录更新、纠错按期完成", len(on_time), on_time),
        Figure("目录更新、纠错逾期（含逾期未办）", len(late), late),
    ]


def _review(session: Session, records: _Records, unit: Unit) -> tuple[float, list[Figure]]:
    on_time, late, done = _timeliness(records, unit.id, (REVIEW,))
    days = [
        calendar.working_days_between(session, clock.local(t.created_at).date(), clock.local(t.completed_at).date())
        for t in done
    ]
    returns = [_task_case(records, t) for t in done if (t.result or {}).get("decision") == "return"]
    overturned = [
        _objection(o)
        for o in _decided(records, unit)
        if o.kind == ObjectionType.APPLICATION_DISPUTE and o.outcome == ObjectionOutcome.UPHELD
    ]
    return max(0.0, _rate(len(on_time), len(late)) - 10 * len(overturned)), [
        Figure("按期审核", len(on_time), on_time),
        Figure(LATE_REVIEWS, len(late), late),
        Figure("平均审核用时（工作日）", round(sum(days) / len(days), 1) if days else "—"),
        Figure("退回补正", len(returns), returns),
        Figure("经异议认定应当重新审核", len(overturned), overturned),
    ]


def _decided(records: _Records, unit: Unit) -> list[Objection]:
    return [
        o
        for o in records.objections
        if o.concerned_unit_id == unit.id and o.closed_at is not None and records.start <= o.closed_at < records.end
    ]


def _objections(session: Session, records: _Records, unit: Unit) -> tuple[float, list[Figure]]:
    raised = [
        _objection(o)
        for o in records.objections
        if o.concerned_unit_id == unit.id and records.start <= o.created_at < records.end
    ]
    decided = _decided(records, unit)
    by_outcome = {outcome: [_objection(o) for o in decided if o.outcome == outcome] for outcome in ObjectionOutcome}
    upheld = by_outcome[ObjectionOutcome.UPHELD]
    return max(0.0, 100.0 - 10 * len(upheld)), [
        Figure("针对本单位提出的异议", len(raised), raised),
        *(Figure(f"办结：{o.label}", len(by_outcome[o]), by_outcome[o]) for o in ObjectionOutcome),
    ]


def _security(session: Session, records: _Records, unit: Unit) -> tuple[float, list[Figure]]:
    """谁使用谁负责 (五): the incidents of the data the unit uses."""
    found = [
        _case("incident", i.id, f"{i.occurred_on}：{i.account[:30]}") for i in records.incidents if i.unit_id == unit.id
    ]
    return max(0.0, 100.0 - 20 * len(found)), [Figure("本期登记的数据安全事件", len(found), found)]


def _responsibility(session: Session, records: _Records, unit: Unit) -> tuple[float, list[Figure]]:
    named = records.responsible.get(unit.id, set())
    missing = [k.label for k in ResponsibilityKind if k not in named]
    return 100.0 * len(named) / len(ResponsibilityKind), [
        Figure("已明确的责任人", f"{len(named)}/{len(ResponsibilityKind)}"),
        Figure("尚未明确", "、".join(missing) or "无"),
    ]


def _use(records: _Records, unit: Unit) -> list[Figure]:
    """共享数据的使用 (as grantee and as provider): shown with the card, not scored until usage is measured."""

    def grant(g: Grant) -> dict:
        return _case("grant", g.id, case_names.application_name(g.application.number, g.unit.name, g.resource.name))

    got = [grant(g) for g in records.grants if g.unit_id == unit.id]
    given = [grant(g) for g in records.grants if g.resource.provider_unit_id == unit.id]
    used = [(calls, failed) for user, _, calls, failed in records.calls if user == unit.id]
    called = sum(calls for _, provider, calls, _ in records.calls if provider == unit.id)
    total, failed = sum(c for c, _ in used), sum(f for _, f in used)
    odd = [
        _case(
            "usage",
            a.id,
            f"{a.day} {a.kind.label}：{a.resource.name}（{a.calls} 次）"
            + ("，已说明" if a.explanation else "，未说明"),
        )
        for a in records.anomalies
        if a.unit_id == unit.id
    ]
    return [
        Figure("获得授权", len(got), got),
        Figure("本单位数据被授权", len(given), given),
        Figure("调用共享数据（次）", int(total)),
        Figure("本单位数据被调用（次）", int(called)),
        Figure("调用失败率", f"{100 * failed / total:.1f}%" if total else "—"),
        Figure("使用异常（每项注明使用单位是否已说明）", len(odd), odd),
    ]


def _effect(records: _Records, unit: Unit) -> list[Figure]:
    """使用效果评价 (四(四)): as grantee, the ratings due in the period and whether they came in time; as provider, how
    useful its data was found."""
    on_time, late, _ = _timeliness(records, unit.id, (EFFECT,))
    received = [r for r in records.ratings if r.grant.resource.provider_unit_id == unit.id]
    cases = [_case("effect_rating", r.id, f"{effect.rating_name(r)}：有用程度 {r.usefulness}") for r in received]
    average = round(sum(r.usefulness for r in received) / len(received), 2) if received else "—"
    return [
        Figure("到期的使用效果评价（本单位作为获得授权的单位）", len(on_time) + len(late), on_time + late),
        Figure("按期评价", len(on_time), on_time),
        Figure("逾期评价（含逾期未评）", len(late), late),
        Figure("本单位数据获得的平均有用程度（1–5）", average, cases),
    ]


SCORERS = {
    "catalog": _catalog,
    "review": _review,
    "objections": _objections,
    "security": _security,
    "responsibility": _responsibility,
}
# Listed, not scored: (key, label, what it lists, its figures)
LISTED = (
    ("use", "共享数据使用", "本期新增的授权，作为获得方和提供方分别列示", _use),
    ("effect", "使用效果评价", "作为获得授权的单位按期评价、作为提供单位获得的评价", _effect),
)
