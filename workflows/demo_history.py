"""A few months of demo cases behind today: applications decided in time and late, returned and rejected, and one
review still open past its day, so the scorecard, the statistics and the workbench show what they are for.

Each case is started and decided at its own past moment (clock.frozen), through the same services people use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from workflows import calendar, clock
from workflows.engine import tasks
from workflows.models import (
    AccountKind,
    Application,
    EffectRating,
    Grant,
    Person,
    RatingStatus,
    TaskStatus,
    UsageSource,
)
from workflows.sharing import applications
from workflows.supervision import effect
from workflows.unit_of_work import unit_of_work
from workflows.usage import ingest as usage_ingest

MARK = "（演示）"  # every demo case's scenario ends with it: seeding twice adds nothing


@dataclass(frozen=True)
class DemoCase:
    months_ago: int
    day: int
    applicant: str
    resource: str
    items: tuple[str, ...]
    scenario: str
    reviewer: str
    decision: str | None  # None: still open
    working_days: int = 0  # from submission to the decision
    extra: tuple[tuple[str, object], ...] = ()


CASES = (
    DemoCase(
        3, 3, "machao", "XY-GA-001", ("姓名", "性别", "出生日期"), "临时救助对象身份核验", "huangtao", "approve", 2
    ),
    DemoCase(3, 9, "gaopeng", "XY-MZ-002", ("姓名", "保障类别"), "就业援助对象低保身份核对", "sunjie", "approve", 4),
    DemoCase(
        3, 16, "caoying", "XY-RS-001", ("姓名", "参保状态"), "家庭医生签约对象参保状态核对", "heming", "approve", 7
    ),
    DemoCase(
        2,
        4,
        "lianghong",
        "XY-GA-003",
        ("号牌号码", "车辆类型", "初次登记日期"),
        "个体工商户经营车辆登记核查",
        "huangtao",
        "reject",
        3,
        (
            ("rejection_category", "scope_exceeds"),
            ("concerns", ["初次登记日期"]),
            ("reason", "申请的初次登记日期信息项超出经营车辆登记核查所需范围，请仅申请号牌号码和车辆类型"),
        ),
    ),
    DemoCase(
        2,
        11,
        "machao",
        "XY-BDC-001",
        ("不动产单元号", "坐落"),
        "低保家庭住房状况核对",
        "mengjie",
        "return",
        1,
        (("reason", "1. 请补充低保申请受理通知书扫描件\n2. 请说明核对对象的范围和预计人数"),),
    ),
    DemoCase(2, 18, "tianmei", "XY-MZ-002", ("姓名", "保障类别"), "困难家庭学生资助资格核对", "sunjie", "approve", 9),
    DemoCase(1, 5, "jiangxin", "XY-RS-002", ("姓名", "登记类型"), "医疗救助对象就业状况核对", "heming", "approve", 3),
    DemoCase(
        1, 12, "xiongbin", "XY-MZ-004", ("姓名", "供养方式"), "特困人员不动产登记费减免核对", "sunjie", "approve", 6
    ),
    DemoCase(1, 19, "machao", "XY-YB-001", ("姓名", "参保类型"), "低保对象医保参保状态核对", "panfeng", "approve", 2),
    DemoCase(0, 0, "gaopeng", "XY-GA-003", ("号牌号码", "车辆类型"), "就业困难人员车辆状况核对", "huangtao", None),
)


def _moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=clock.SHANGHAI)


def _person(session: Session, username: str) -> Person:
    return session.scalar(select(Person).where(Person.username == username))


def seed_history(sessions: sessionmaker) -> int:
    """The demo cases, unless seeded before; how many were added."""
    with sessions() as session:
        if session.scalar(select(Application.id).where(Application.scenario.endswith(MARK)).limit(1)):
            return 0
        today = clock.today()
        days = [
            calendar.subtract_working_days(session, today, 10).day  # still open: ten working days, past its five
            if case.decision is None
            else calendar.first_working_day_from(
                session, calendar.month_start(today, -case.months_ago).replace(day=case.day)
            )
            for case in CASES
        ]
    for case, submitted in zip(CASES, days):
        _seed_case(sessions, case, submitted)
    with unit_of_work(sessions) as session:
        _seed_usage(session)
    _seed_ratings(sessions)
    return len(CASES)


def _seed_usage(session: Session) -> None:
    """The platform's report of the demo grants' calls: a weekday's calls under each grant for the last weeks."""
    platform = session.scalar(select(Person).where(Person.account_kind == AccountKind.PLATFORM))
    found = session.execute(
        select(Grant.id, Grant.scenario, Grant.created_at)
        .join(Application, Grant.application_id == Application.id)
        .where(Application.scenario.endswith(MARK))
    ).all()
    if platform is None or not found:
        return
    now, records = clock.now(), []
    for grant_id, scenario, created in found:
        for back in range(1, 22, 3):  # every third day of the last three weeks, while the grant held
            at = now - timedelta(days=back)
            if at > created:
                records.append(
                    {
                        "id": f"demo-history-{grant_id}-{back}",
                        "grant_id": grant_id,
                        "at": at.isoformat(),
                        "call_type": "interface",
                        "count": 40 + (grant_id * 7 + back) % 60,
                        "failed": 2 if back % 7 == 0 else 0,
                        "scenario": scenario,
                    }
                )
    # and one grant called once for what it was not granted for: the provider and the bureau see a 场景不符 anomaly
    # on a grant, which they can turn into a 数据使用异议 or an incident
    grant_id, _, created = found[0]
    if (at := now - timedelta(days=2)) > created:
        stray = {"id": f"demo-history-{grant_id}-stray", "grant_id": grant_id, "at": at.isoformat()}
        stray |= {"call_type": "interface", "count": 35, "failed": 0, "scenario": "招商引资企业背景调查"}
        records.append(stray)
    usage_ingest.ingest(session, platform, MARK, MARK, records, [], UsageSource.PLATFORM)


# What the demo's grantees say of the quarter's use; the last grant's rating is left undone (late, escalated).
EFFECTS = (
    (5, "临时救助身份核验不再要求群众提交户口簿复印件，本季度减少提交材料 126 件", "希望增加户籍迁移日期信息项"),
    (4, "就业援助对象低保身份在线核对 58 人次，核对时间由 3 个工作日缩短到当天", ""),
    (3, "家庭医生签约对象参保状态核对 40 人次，仍有部分人员需要人工补充核实", "部分参保状态更新不及时，建议按日更新"),
)


def _seed_ratings(sessions: sessionmaker) -> None:
    """The quarter just ended rated by the demo's grantees, as the pass opens it on the quarter's first working day and
    the units answer within their period; the last one is left open past its day."""
    today = clock.today()
    with unit_of_work(sessions) as session:
        first = effect.first_working_day(session, today)
        answered = calendar.add_working_days(session, first, 3).day
    if today <= answered:
        return
    with clock.frozen(_moment(first, 8)), unit_of_work(sessions) as session:
        effect.start_due(session)
    with clock.frozen(_moment(answered, 16)), unit_of_work(sessions) as session:
        found = session.scalars(
            select(EffectRating)
            .join(Grant, EffectRating.grant_id == Grant.id)
            .join(Application, Grant.application_id == Application.id)
            .where(Application.scenario.endswith(MARK), EffectRating.status == RatingStatus.OPEN)
            .order_by(EffectRating.id)
        ).all()
        for rating, (usefulness, said, comment) in zip(found[:-1], EFFECTS):
            task = next(t for t in tasks.case_tasks(session, "effect_rating", rating.id) if t.status == TaskStatus.OPEN)
            tasks.complete(
                session,
                rating.grant.application.applicant,
                task.id,
                {"usefulness": usefulness, "effect": said, "comment": comment},
            )


def _seed_case(sessions: sessionmaker, case: DemoCase, submitted: date) -> None:
    data = {
        "resource_code": case.resource,
        "items": list(case.items),
        "scenario": case.scenario + MARK,
        "basis": "《政务数据共享条例》第十三条及本单位“三定”规定",
        "purpose": f"用于{case.scenario}，仅在本单位业务系统内使用",
        "frequency": "daily",
        "valid_until": calendar.month_start(submitted, 12).isoformat(),
        "undertaking": True,
        "sensitive_justification": "核对对象身份必须使用该信息项",
        "data_protection": {
            "storage": "本单位业务系统数据库（县政务云机房）",
            "access": "承办股室经办人员，按岗位授权查看",
            "disposal": "授权到期或业务办结后 30 日内删除，不留副本",
        },
    }
    with clock.frozen(_moment(submitted, 9)), unit_of_work(sessions) as session:
        app = applications.apply(session, _person(session, case.applicant), data)
        app_id = app.id
    if case.decision is None:
        return
    with unit_of_work(sessions) as session:
        decided = calendar.add_working_days(session, submitted, case.working_days).day
    with clock.frozen(_moment(decided, 15)), unit_of_work(sessions) as session:
        task = next(
            t
            for t in tasks.case_tasks(session, "application", app_id)
            if t.task_key == "da_review" and t.status == TaskStatus.OPEN
        )
        tasks.complete(
            session, _person(session, case.reviewer), task.id, {"decision": case.decision, **dict(case.extra)}
        )
