"""What usage writes to the audit trail (each batch received, each purge of old raw records), in the audit page's
words."""

from __future__ import annotations

from workflows.audit_text import Events
from workflows.models import UsageSource

AUDIT_EVENTS = Events(
    actions={
        "usage:ingested": "接收数据使用记录",
        "usage:purged": "清除超过保存期限的原始使用记录",
        "usage_anomaly:explained": "说明数据使用异常情况",
    },
    subjects={"usage_batch": "数据使用记录批次", "usage": "数据使用记录", "usage_anomaly": "数据使用异常情况"},
    keys={
        "source": "来源",
        "accepted": "接收条数",
        "duplicates": "重复条数",
        "rejected": "有问题条数",
        "resource_updates": "数据更新情况条数",
        "purged": "清除条数",
        "before": "早于",
        "filename": "文件名",
        "explanation": "情况说明",
    },
    values={"source": UsageSource},
)
