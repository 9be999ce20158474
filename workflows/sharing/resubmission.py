"""The 补正 step leads to what was asked (一次性告知): each item of the return gets its own answer, files go with it.

A return stores its list as items (`return_items`); the resubmission answers them one by one (`answers`, in the same
order) and may attach files, which become the application's attachments. Returns stored before the list was kept
are split from their text; resubmissions on versions that asked for one note (`resubmit_note`) keep that note.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from workflows import inputs, reasons
from workflows.errors import FieldProblem
from workflows.models import HumanTask, TaskStatus
from workflows.sharing.process import RESUBMIT_TASK, REVIEW_TASK

MIN_ANSWER_SUBSTANCE = 4  # an answer names what was done: “受理通知书” passes, “已补充” does not
ANSWER_STOCK = (
    "已补充",
    "已上传",
    "已修改",
    "已完善",
    "已提供",
    "已说明",
    "已补正",
    "已处理",
    "已完成",
    "已按要求",
    "按要求",
    "好的",
    "收到",
    "明白",
    "同意",
)
ANSWER_HINT = "请写明针对这一项补充了哪份材料、修改了哪一栏或作了什么说明"


def asked(result: dict | None) -> list[str]:
    """The items a return asked for: its stored list, or for an older return the lines of its reason."""
    result = result or {}
    return list(result.get("return_items") or reasons.listed_items(result.get("reason")))


_RETURNS = (
    select(HumanTask.result)
    .where(
        HumanTask.instance_id == bindparam("instance"),
        HumanTask.task_key == REVIEW_TASK,
        HumanTask.status == TaskStatus.COMPLETED,
        HumanTask.created_at <= bindparam("before"),
    )
    .order_by(HumanTask.completed_at.desc(), HumanTask.id.desc())
)


def questions(session: Session, task: HumanTask) -> list[str]:
    """What the return this resubmission task answers asked for (a case is returned at most once)."""
    results = session.scalars(_RETURNS, {"instance": task.instance_id, "before": task.created_at})
    return asked(next((r for r in results if (r or {}).get("decision") == "return"), None))


def returned_items(session: Session, task: HumanTask) -> list[tuple[str, str]]:
    """x-options "returned_items" of the resubmission form: one answer box per item asked, in the return's order."""
    return [(str(number), item) for number, item in enumerate(questions(session, task))]


def answer_problems(asked_items: list[str], answers: list[str]) -> list[FieldProblem]:
    """Every item answered, specifically: an answer that only says 已补充 or repeats the question is refused.
    A problem with the n-th answer is on field "answers.{n-1}", as the list is indexed."""
    if len(answers) != len(asked_items):
        return [
            FieldProblem(
                "answers",
                f"逐项答复：提供单位要求补正 {len(asked_items)} 项，请对每一项分别答复"
                f"（现有 {len(answers)} 项答复）",
            )
        ]
    found = []
    for number, (item, answer) in enumerate(zip(asked_items, answers)):
        problem = reasons.reason_problem(
            answer, "答复", extra_stock=(*ANSWER_STOCK, item), minimum=MIN_ANSWER_SUBSTANCE, hint=ANSWER_HINT
        )
        if problem:
            found.append(
                FieldProblem(f"answers.{number}", f"第 {number + 1} 项答复（{inputs.shown(item, 20)}）：{problem}")
            )
    return found


def answered(steps: list[HumanTask]) -> dict[int, list[tuple[str, str]]]:
    """Each resubmission among a subject's steps (in order) with its answers beside the items they answer."""
    found, asked_in = {}, {}
    for step in steps:
        result = step.result or {}
        if step.task_key == REVIEW_TASK and result.get("decision") == "return":
            asked_in[step.instance_id] = asked(result)
        elif step.task_key == RESUBMIT_TASK and result.get("answers"):
            items = asked_in.get(step.instance_id, [])
            found[step.id] = [
                (items[n] if n < len(items) else "", answer) for n, answer in enumerate(result["answers"])
            ]
    return found
