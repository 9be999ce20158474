"""Specific reasons by construction (R17): each rejection category asks for the fact that makes it specific.

- 缺乏法律或政策依据 → missing_basis: which basis is missing or insufficient. It quotes the applicant's basis (`quoted`),
  or names a law or document by its title in 《》 or by its number (reasons.names_title, reasons.names_provision);
- 申请范围超出履职需要 → concerns: the items outside the scenario, a non-empty subset of the application's items;
- 涉及安全或保密要求 → provision: 《…》 with an article, or a document number (reasons.names_provision);
- 不属于本单位数据 → holder_unit_id: the active unit that holds the data, not the provider itself;
- 其他 → the reason itself names something of this application (`named_in`).
The reason is still required and still checked by reasons.reason_problem. A version whose review form does not ask
for the fact (deployed before these fields) decides as it did; 其他 is a rule of the reason and holds for every version.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import inputs, reasons
from workflows.errors import FieldProblem
from workflows.models import Application, HumanTask, RejectionCategory, TaskStatus, Unit
from workflows.sharing.process import REVIEW_TASK

FACTS = {
    RejectionCategory.NO_BASIS: "missing_basis",
    RejectionCategory.SCOPE_EXCEEDS: "concerns",
    RejectionCategory.SECURITY: "provision",
    RejectionCategory.NOT_IN_DUTY: "holder_unit_id",
}
# as pages, notices and records name each fact (the form of a version may word its field differently)
TITLES = {
    "missing_basis": "缺少或不足的依据",
    "concerns": "超出履职需要的信息项",
    "provision": "涉及的安全或保密规定",
    "holder_unit_id": "掌握该数据的单位",
}
QUOTED_RUN = 4
# words every application uses: a shared run made only of these quotes nothing of this one
COMMON_WORDS = (
    "本单位",
    "数据",
    "共享",
    "申请",
    "政务",
    "信息",
    "单位",
    "部门",
    "使用",
    "提供",
    "业务",
    "工作",
    "需要",
    "相关",
    "有关",
    "规定",
    "要求",
    "办理",
    "管理",
    "按照",
    "根据",
    "依据",
    "进行",
    "开展",
    "用于",
)
_NOT_CJK = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?:\s*日)?|\d{1,2}\s*月\s*\d{1,2}\s*日")
OTHER_PROBLEM = (
    "理由：选择“其他”时，理由须指明本申请的具体内容，如申请的信息项（{item}）、资源名称、应用场景或用途中的具体说法、"
    "申请编号、附件名称或日期；泛泛而谈的理由（如“不符合本单位数据共享的有关规定要求”）不能说明本申请的问题"
)


def _segments(text: str | None) -> list[str]:
    """The runs of Chinese characters between punctuation and COMMON_WORDS that are long enough to quote."""
    text = text or ""
    for word in COMMON_WORDS:
        text = text.replace(word, "|")
    return [run for run in _NOT_CJK.split(text) if len(run) >= QUOTED_RUN]


def quoted(text: str | None, *sources: str | None) -> str | None:
    """QUOTED_RUN Chinese characters in a row, at least three of them not particles, that the text and a source share,
    neither crossing punctuation nor COMMON_WORDS: the text quotes the source, not what every application says."""
    wanted = "|".join(run for source in sources for run in _segments(source))
    for run in _segments(text):
        for start in range(len(run) - QUOTED_RUN + 1):
            piece = run[start : start + QUOTED_RUN]
            if piece in wanted and sum(c not in reasons.PARTICLES for c in piece) >= 3:
                return piece
    return None


def named_in(app: Application, text: str | None) -> str | None:
    """What of this application a reason names, or None: one of its items, the resource's name or code, its number,
    an attachment's file name (without the extension), a date (2026-03-01, 2026年3月1日, 3月1日), or words quoted
    from its scenario, purpose or basis (`quoted`)."""
    text = text or ""
    words = [*app.items, app.resource.name, app.resource.code, app.number or ""]
    found = next((w for w in words if w and w in text), None)
    found = found or next(
        (a.filename for a in app.attachments if len(stem := PurePath(a.filename).stem) >= 2 and stem in text), None
    )
    if found is None and (date := _DATE.search(text)):
        found = date.group()
    return found or quoted(text, app.scenario, app.purpose, app.basis)


def _concerns_problem(session: Session, app: Application, value) -> str | None:
    chosen = list(value or [])
    if not chosen:
        return "请勾选超出所述应用场景履职需要的信息项（从申请的信息项中选择）"
    if outside := [i for i in chosen if i not in app.items]:
        return f"{'、'.join(outside)} 不在本申请的信息项中，请从申请的信息项（{'、'.join(app.items)}）中勾选"
    return None


def _provision_problem(session: Session, app: Application, value) -> str | None:
    if reasons.names_provision(value):
        return None
    return (
        "请写明具体规定：法律法规的名称和条款，如《中华人民共和国数据安全法》第二十一条；"
        "或文件的文号，如国办发〔2021〕6号"
    )


def _holder_problem(session: Session, app: Application, value) -> str | None:
    unit = session.get(Unit, value) if isinstance(value, int) else None
    if unit is None or not unit.active:
        return "请从列表中选择掌握该数据的单位（在用的单位）"
    if unit.id == app.provider_unit_id:
        return f"不能选择本单位（{unit.name}）：请选择实际采集和管理该数据的单位，申请单位可以向其申请"
    return None


def _basis_problem(session: Session, app: Application, value) -> str | None:
    if quoted(value, app.basis) or reasons.names_title(value) or reasons.names_provision(value):
        return None
    return (
        f"请引用申请所列的依据（“{inputs.shown(app.basis, 30)}”）说明其为何不足，或写明缺少的法律法规、"
        "文件名称（用《》）或文号，如《中华人民共和国个人信息保护法》第三十四条"
    )


_CHECKS = {
    "missing_basis": _basis_problem,
    "concerns": _concerns_problem,
    "provision": _provision_problem,
    "holder_unit_id": _holder_problem,
}


def problems(session: Session, app: Application, data: dict) -> list[FieldProblem]:
    """What the chosen category still lacks, each on its field; [] when the rejection is specific by construction."""
    category = data.get("rejection_category") or ""
    if category == RejectionCategory.OTHER:
        if named_in(app, data.get("reason")):
            return []
        return [FieldProblem("reason", OTHER_PROBLEM.format(item="如“" + "”“".join(app.items[:2]) + "”"))]
    field = FACTS.get(RejectionCategory.parse(category))
    if field is None or field not in data:  # the form of this case's version does not ask for it
        return []
    problem = _CHECKS[field](session, app, data.get(field))
    return [FieldProblem(field, f"{TITLES[field]}：{problem}")] if problem else []


class Fact(NamedTuple):
    field: str
    title: str
    text: str

    def __str__(self) -> str:
        return f"{self.title}：{self.text}"


def stated(session: Session, result: dict | None) -> Fact | None:
    """The fact a rejection stated, for pages, notices and records; None before these facts existed."""
    result = result or {}
    if result.get("decision") != "reject":
        return None
    field = FACTS.get(RejectionCategory.parse(result.get("rejection_category")))
    value = result.get(field) if field else None
    if value in (None, "", []):
        return None
    if field == "holder_unit_id":
        unit = session.get(Unit, int(value)) if str(value).isdigit() else None
        return Fact(field, TITLES[field], unit.name if unit else str(value))
    return Fact(field, TITLES[field], "、".join(map(str, value)) if isinstance(value, list) else str(value))


def of_steps(session: Session, steps: list[HumanTask]) -> Fact | None:
    """The fact the latest review among an application's steps (in order) stated, if it rejected."""
    last = next((t for t in reversed(steps) if t.task_key == REVIEW_TASK and t.status == TaskStatus.COMPLETED), None)
    return stated(session, last.result if last else None)


def holder_units(session: Session, task: HumanTask) -> list[tuple[str, str]]:
    """x-options "holder_units": the units a review may name as holding the data; the reviewer's own unit is not one.

    A completed review lists every unit, so the one it named still reads by name after it was deactivated."""
    query = select(Unit.id, Unit.name).where(Unit.id != task.unit_id).order_by(Unit.id)
    if task.status == TaskStatus.OPEN:
        query = query.where(Unit.active.is_(True))
    return [(str(uid), name) for uid, name in session.execute(query)]
