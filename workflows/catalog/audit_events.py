"""What the catalog writes to the audit trail (entries, their changes, supply and demand), in the audit page's words."""

from __future__ import annotations

from workflows.audit_text import Events
from workflows.models import (
    CategoryClass,
    ChangeKind,
    ChangeStatus,
    DemandStatus,
    EntryChangeKind,
    EntryChangeStatus,
    OpenType,
    ResourceFormat,
    ResourceStatus,
    Sensitivity,
    ShareMethod,
    ShareType,
    UpdateCycle,
)

AUDIT_EVENTS = Events(
    actions={
        "resource:created": "新建目录条目",
        "resource:updated": "修改目录条目",
        "resource:published": "发布目录条目",
        "resource:retired": "停用目录条目",
        "resource:returned": "退回目录条目更正",
        "catalog_change:registered": "登记目录变更",
        "catalog_change:done": "完成目录更新",
        "demand:recorded": "登记共享需求",
        "demand:assigned": "分派共享需求",
        "demand:answered": "答复共享需求",
    },
    subjects={
        "resource": "目录条目",
        "demand": "共享需求",
        "catalog_change": "目录变更",
        "entry_change": "目录条目变更",
    },
    statuses={
        "resource": ResourceStatus,
        "demand": DemandStatus,
        "catalog_change": ChangeStatus,
        "entry_change": EntryChangeStatus,
    },
    keys={
        "effective_on": "生效日期",
        "due_on": "更新期限",
        "answer": "答复",
        "done_note": "更新说明",
        "revision": "版本",
        "changed": "变更数量",
        "outcome": "办理结果",
        "resource_code": "目录条目代码",
        "decision": "审核意见",
        "category_class": "门类",
        "category_path": "分类",
        "summary": "摘要",
        "format": "数据格式",
        "share_type": "共享类型",
        "share_condition": "共享条件",
        "share_method": "共享方式",
        "open_type": "开放类型",
        "update_cycle": "更新周期",
        "sensitivity": "敏感程度",
        "published_on": "发布日期",
        "related_codes": "关联条目",
        "mandate": "职责依据",
        "collection_note": "采集说明",
        "resource": "目录条目",
        "basis": "依据或理由",
        "removed_items": "删除的信息项",
        "registered_late": "登记时已逾期",
    },
    booleans={"registered_late": ("是", "否")},
    values={
        "category_class": CategoryClass,
        "format": ResourceFormat,
        "share_method": ShareMethod,
        "open_type": OpenType,
        "update_cycle": UpdateCycle,
        "sensitivity": Sensitivity,
        "share_type": ShareType,
    },
    values_by_subject={"catalog_change": {"kind": ChangeKind}, "entry_change": {"kind": EntryChangeKind}},
    values_by_form={
        "catalog_update_done.schema.json": {
            "outcome": {"revised": "已修订本单位的目录条目", "none_affected": "本单位没有受影响的目录条目"}
        },
        "catalog_update_confirm.schema.json": {"decision": {"confirm": "确认", "return": "退回"}},
        "entry_change_confirm.schema.json": {"decision": {"approve": "确认", "return": "退回"}},
        "demand_assign.schema.json": {"decision": {"assign": "分派", "refer": "报市级协调", "close": "办结"}},
        "demand_answer.schema.json": {"answer": {"will_publish": "可以提供，将编目发布", "cannot_provide": "无法提供"}},
        "demand_close.schema.json": {
            "outcome": {"resolved": "已解决", "unresolved": "无法提供", "refer": "报市级协调"}
        },
    },
)
