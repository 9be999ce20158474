"""What supervision writes to the audit trail: who was reminded, the bureau's 督办 note on an overdue task, and the
scorecard's weights."""

from __future__ import annotations

from workflows.audit_text import Events
from workflows.supervision.weights import PARTS

AUDIT_EVENTS = Events(
    actions={"scorecard_weights:set": "设置考核权重"},
    subjects={"scorecard_weights": "考核权重"},
    keys={"recipients": "通知人数", "supervision_note": "督办意见", "from": "起始月份"}
    | {part.key: f"{part.label}权重" for part in PARTS},
)
