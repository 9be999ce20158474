"""考核 figures on objections: counts by type, unit raised against and outcome, working days per step, ratings."""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import calendar, clock, inputs
from workflows.errors import Forbidden, ValidationFailed
from workflows.models import HumanTask, Person, ProcessInstance, Role, TaskStatus
from workflows.models.objections import Objection, ObjectionOutcome, ObjectionStatus, ObjectionType
from workflows.spreadsheets import safe_cell


@dataclass
class Figures:
    since: date | None
    until: date | None
    total: int = 0
    by_type: list[tuple[str, int]] = field(default_factory=list)
    by_unit: list[tuple[str, int, int]] = field(default_factory=list)  # unit raised against, raised, upheld
    by_outcome: list[tuple[str, int]] = field(default_factory=list)
    steps: list[tuple[str, int, float, int]] = field(default_factory=list)  # step, done, avg working days, late
    rated: int = 0
    average_rating: float | None = None
    ratings: list[tuple[int, int]] = field(default_factory=list)


def figures(session: Session, person: Person, since: str = "", until: str = "") -> Figures:
    """Objections raised in the period (by the day they were raised), as the county's 考核 reads them."""
    if not person.has_role(Role.COORDINATOR):
        raise Forbidden("只有县大数据局协调员可以查看异议统计")
    problems: list = []
    start = inputs.parse_day(since, "起始日期", problems, "since")
    end = inputs.parse_day(until, "截止日期", problems, "until")
    inputs.period_problems(start, end, problems)
    if problems:
        raise ValidationFailed(problems, "统计期间有误，请按提示修改")
    query = select(Objection)
    if start:
        query = query.where(Objection.created_at >= clock.start_of_day(start))
    if end:
        query = query.where(Objection.created_at <= clock.end_of_day(end))
    found = list(session.scalars(query))
    result = Figures(since=start, until=end, total=len(found))
    kinds = Counter(o.kind for o in found)
    result.by_type = [(kind.label, kinds[kind]) for kind in ObjectionType]
    raised, upheld = Counter(), Counter()
    for o in found:
        name = o.concerned_unit.name if o.concerned_unit else "（未指明单位）"
        raised[name] += 1
        upheld[name] += o.outcome == ObjectionOutcome.UPHELD
    result.by_unit = [(name, n, upheld[name]) for name, n in raised.most_common()]
    outcomes = Counter(o.outcome.label if o.outcome else ObjectionStatus(o.status).label for o in found)
    result.by_outcome = sorted(outcomes.items(), key=lambda pair: -pair[1])
    result.steps = _steps(session, [o.instance_id for o in found if o.instance_id])
    ratings = [o.rating for o in found if o.rating]
    result.rated = len(ratings)
    result.average_rating = round(sum(ratings) / len(ratings), 2) if ratings else None
    counted = Counter(ratings)
    result.ratings = [(score, counted[score]) for score in range(5, 0, -1)]
    return result


def _steps(session: Session, instance_ids: list[int]) -> list[tuple[str, int, float, int]]:
    if not instance_ids:
        return []
    rows = session.scalars(
        select(HumanTask)
        .join(ProcessInstance)
        .where(HumanTask.instance_id.in_(instance_ids), HumanTask.status == TaskStatus.COMPLETED)
    )
    days, late = defaultdict(list), Counter()
    for task in rows:
        name = "答复异议" if task.task_key.startswith("ob_answer_") else task.name
        start, end = clock.local(task.created_at).date(), clock.local(task.completed_at).date()
        days[name].append(calendar.working_days_between(session, start, end))
        late[name] += task.is_overdue(task.completed_at)
    return [(name, len(values), round(sum(values) / len(values), 1), late[name]) for name, values in days.items()]


def workbook(result: Figures) -> bytes:
    """The figures as an Excel workbook, one sheet per table."""
    book = Workbook()
    period = f"{result.since or '最早'} 至 {result.until or clock.today()}"
    sheets = [
        ("按类型", ["类型", "件数"], result.by_type),
        ("按所涉单位", ["所涉单位", "被提出异议", "异议成立"], result.by_unit),
        ("按处理结果", ["处理结果或状态", "件数"], result.by_outcome),
        ("各环节用时", ["环节", "已办件数", "平均用时（工作日）", "逾期件数"], result.steps),
        ("评价", ["满意度（分）", "件数"], result.ratings),
    ]
    first = True
    for title, header, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = title
        sheet.append([f"异议和纠错统计（{period}），共 {result.total} 件"])
        sheet.append(header)
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        if title == "评价":
            sheet.append(["平均分", result.average_rating if result.average_rating is not None else "—"])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()
