"""What the engine writes to the audit trail (tasks, cases, process versions), in the audit page's words."""

from __future__ import annotations

from workflows.audit_text import Events
from workflows.models import InstanceStatus, TaskStatus

AUDIT_EVENTS = Events(
    actions={
        "task:opened": "生成待办",
        "task:completed": "办理任务",
        "task:closed_by_process": "流程结束时关闭任务",
        "task:claimed": "认领任务",
        "task:unclaimed": "放弃认领",
        "task:delegated": "转交任务",
        "task:assigned": "指定办理人",
        "task:reminded": "催办",
        "task:escalated": "督办",
        "task:due_recomputed": "重新计算期限",
        "instance:started": "案件开始",
        "instance:cancelled": "案件终止",
        "instance:timer_fired": "定时提醒触发",
        "instance:migrated": "迁移案件",
        "process:deployed": "部署流程新版本",
        "process:draft_saved": "保存流程草稿",
        "process:draft_discarded": "放弃流程草稿",
    },
    subjects={"task": "任务", "instance": "案件", "process": "流程"},
    statuses={"task": TaskStatus, "instance": InstanceStatus},
    keys={
        "result": "办理结果",
        "due_at": "期限",
        "provisional": "临时期限",
        "role": "角色",
        "version": "版本",
        "process": "流程",
        "timers": "定时器",
        "next_timer_at": "下次提醒",
        "base_version": "基于版本",
        "changes": "变更内容",
    },
    hidden_keys=frozenset({"version_id"}),
    booleans={"provisional": ("是", "否")},
)
