"""What the code relies on in a process it drives: task keys, their lane and unit, form fields, emitted events.

Each feature declares the contract of its process; deploy refuses a version that breaks it, so a diagram
without the review step can never go live and strand its cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.engine.lint import LintIssue, Outline
from workflows.models import ROLE_LABELS_BY_CODE


@dataclass(frozen=True)
class TaskContract:
    name: str  # as people know the step, for the message
    role: str
    unit: str | None = None  # the data field naming the unit that handles it
    fields: tuple[str, ...] = ()  # form fields whose values the code reads


@dataclass(frozen=True)
class ProcessContract:
    process_key: str
    tasks: dict[str, TaskContract] = field(default_factory=dict)
    emits: dict[str, str] = field(default_factory=dict)  # event -> what the code does when it hears it


def issues(outline: Outline, contract: ProcessContract) -> list[LintIssue]:
    """Everything of the contract this version lacks, each named on its element in Chinese."""
    found = []
    for key, task in contract.tasks.items():
        role = ROLE_LABELS_BY_CODE.get(task.role, task.role)
        if key not in outline.task_properties:
            found.append(LintIssue(key, f"程序依赖用户任务“{task.name}”（id {key}，由{role}办理），本版本缺少该环节"))
            continue
        if outline.lanes.get(key) != task.role:
            found.append(LintIssue(key, f"用户任务“{task.name}”应放在“{role}”泳道中"))
        unit = outline.task_properties[key].get("unit")
        if task.unit and unit != task.unit:
            found.append(
                LintIssue(key, f"用户任务“{task.name}”的办理单位（unit 属性）应为 {task.unit}，现为 {unit or '空'}")
            )
        schema = outline.forms.get(outline.task_forms.get(key, ""), {})
        missing = [f for f in task.fields if f not in schema.get("properties", {})]
        if missing:
            found.append(LintIssue(key, f"用户任务“{task.name}”的表单缺少程序读取的字段：{'、'.join(missing)}"))
    for event, effect in contract.emits.items():
        if event not in outline.emits:
            found.append(LintIssue(outline.process_id, f'没有脚本发出事件 emit("{event}")：{effect}将不会发生'))
    return found
