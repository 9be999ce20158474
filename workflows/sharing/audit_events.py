"""What sharing writes to the audit trail, and the words of its decisions: declared once, read by the record, the
review page, the API document and the audit page."""

from __future__ import annotations

from workflows.audit_text import Events
from workflows.models import ApplicationStatus, CallFrequency, GrantStatus, RejectionCategory, ShareType

# The provider's review (application_review form): also the record's result and each earlier round's heading
REVIEW_DECISIONS = {"approve": "通过", "reject": "不通过", "return": "退回补正", "cannot": "不能执行县政府决定"}
# The bureau on the provider's "cannot" (application_coordinate form): a closed case is reported to the county government
NEXT_STEPS = {"reopen": "再次协调，退回提供单位重新审核", "conclude": "按未通过办结并报告县政府"}

AUDIT_EVENTS = Events(
    actions={
        "application:saved": "保存申请",
        "application:submitted": "提交申请",
        "application:withdrawn": "撤回申请",
        "application:attachment_added": "上传附件",
        "application:attachment_removed": "移除附件",
        "application:reopened": "根据异议决定重新审核",
        "application:coordination_closed": f"县大数据局协调办结（{NEXT_STEPS['conclude']}）",
        "grant:created": "生成授权",
        "grant:expired": "授权到期",
        "grant:revoked": "撤销授权",
        "grant:affected": "目录条目变更生效，授权列给提供单位决定",
        "grant:kept": "决定保留授权至到期",
        "grant:affected_ended": "授权已失效，无需再决定",
        "record:created": "生成审批记录",
        "record:render_failed": "审批记录 PDF 生成失败",
        "opinion:added": "添加常用意见",
        "opinion:deleted": "删除常用意见",
    },
    subjects={"application": "申请", "grant": "授权", "opinion": "常用意见"},
    statuses={"application": ApplicationStatus, "grant": GrantStatus},
    keys={
        "decision": "审核意见",
        "rejection_category": "不通过类别",
        "items": "信息项",
        "approved_items": "同意提供的信息项",
        "approved_until": "授权有效期至",
        "valid_until": "有效期至",
        "application": "申请",
        "attempts": "尝试次数",
        "resubmit_note": "补正说明",
        "return_items": "补正事项",
        "answers": "逐项答复",
        "missing_basis": "缺少或不足的依据",
        "concerns": "超出履职需要的信息项",
        "provision": "涉及的安全或保密规定",
        "holder_unit_id": "掌握该数据的单位",
        "frequency": "调用频次",
        "share_type": "共享类型",
        "text": "内容",
        "next_step": "处理方式",
        "government_decision": "县政府决定",
        "entry_change": "目录条目变更",
        "grant_status": "授权状态",
    },
    values={
        "rejection_category": RejectionCategory,
        "share_type": ShareType,
        "frequency": CallFrequency,
        "grant_status": GrantStatus,
    },
    values_by_form={
        "application_review.schema.json": {"decision": REVIEW_DECISIONS},
        "application_coordinate.schema.json": {"next_step": NEXT_STEPS},
    },
)
