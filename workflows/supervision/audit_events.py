"""What supervision writes to the audit trail: who was reminded, the bureau's 督办 note on an overdue task, and the
scorecard's weights."""

from __future__ import annotations

from workflows.audit_text import Events
from workflows.supervision.weights import PARTS

AUDIT_EVENTS = Events(
    actions={"scorecard_weights:set": "设置考核权重", "supervision_report:made": "生成督导考核月报"},
    subjects={"scorecard_weights": "考核权重", "supervision_report": "督导考核月报"},
    keys={"recipients": "通知人数", "supervision_note": "督办意见", "from": "起始月份", "period": "月份"}
    | {part.key: f"{part.label}权重" for part in PARTS},
)
