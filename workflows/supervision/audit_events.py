"""What supervision writes to the audit trail: who was reminded, the bureau's 督办 note on an overdue task, and the
scorecard's weights."""

from __future__ import annotations

from workflows.audit_text import Events
from workflows.models import RatingStatus
from workflows.supervision.weights import PARTS

AUDIT_EVENTS = Events(
    actions={
        "scorecard_weights:set": "设置考核权重",
        "supervision_report:made": "生成督导考核月报",
        "effect_rating:opened": "发起使用效果评价",
        "effect_rating:rated": "评价使用效果",
    },
    subjects={"scorecard_weights": "考核权重", "supervision_report": "督导考核月报", "effect_rating": "使用效果评价"},
    keys={
        "recipients": "通知人数",
        "supervision_note": "督办意见",
        "from": "起始月份",
        "period": "月份",
        "quarter": "评价季度",
        "usefulness": "有用程度",
        "on_time": "是否按期",
    }
    | {part.key: f"{part.label}权重" for part in PARTS},
    keys_by_subject={"effect_rating": {"due_on": "评价期限", "grant": "授权编号"}},
    statuses={"effect_rating": RatingStatus},
    booleans={"on_time": ("按期", "逾期")},
)
