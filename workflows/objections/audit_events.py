"""What objections write to the audit trail, and how the choices of their forms read there."""

from __future__ import annotations

from workflows.audit_text import Events
from workflows.models import (
    AnswerStance,
    CorrectionStatus,
    FilePurpose,
    ObjectionOutcome,
    ObjectionStatus,
    ObjectionType,
)

# The values of the objection forms (bpmn/forms/objection_*.schema.json) by their labels
COORDINATION_RESULTS = {
    "upheld": "决定：异议成立",
    "rejected": "决定：异议不成立",
    "refer": "协调不成，提请县政府数据共享工作领导小组",
}
CHOICES = {
    "resolution": {
        "agreed": "意见一致，记录处理结果",
        "coordinate": "意见不一致，组织协调",
        "refer": "提请县政府数据共享工作领导小组",
    },
    "coordination_result": COORDINATION_RESULTS,
    "application_action": {"reopen": "退回提供单位重新审核", "approve": "县大数据局作出结论：同意共享并授权"},
    "grant_action": {"revoke": "撤销授权", "keep": "保留授权，责令整改"},
    "government_outcome": {"upheld": "异议成立，按决定办理", "rejected": "异议不成立"},
}
_CORRECTION = {"status": CorrectionStatus, "correction": CorrectionStatus}


def _rating(value: str) -> str | None:
    return f"{value} 分" if value.isdigit() else None


AUDIT_EVENTS = Events(
    actions={
        "objection:answered": "答复异议",
        "objection:file_added": "上传异议证据材料",
        "objection:coordinated": "组织协调",
        "objection:government_decided": "记录县政府决定",
        "resource:correction_ordered": "责成纠错",
        "resource:corrected": "完成纠错",
        "unit:incident": "记录违规使用事件",
    },
    actions_by_subject={("record:created", "objection"): "生成异议处理记录"},
    subjects={"objection": "异议"},
    statuses={"objection": ObjectionStatus},
    keys={
        "outcome": "办理结果",
        "decision": "审核意见",
        "effect": "处理",
        "stance": "意见",
        "supplement": "补充材料",
        "info_request": "要求补充",
        "responding_unit_ids": "答复单位",
        "concerned_unit_id": "所涉单位",
        "rating": "评价",
        "referred_on": "提请日期",
        "meeting_date": "协调日期",
        "participants": "参加单位和人员",
        "minutes": "协调纪要",
        "corrected_on": "更正日期",
        "resolution": "各方意见",
        "coordination_result": "协调结果",
        "application_action": "对申请的处理",
        "grant_action": "对授权的处理",
        "incident": "记录违规使用事件",
        "evidence": "依据",
        "rating_comment": "评价意见",
        "transfer_note": "转办说明",
        "referral_document": "提请文件",
        "correction_unit_id": "纠错单位",
        "correction": "纠错状态",
        "purpose": "文件类别",
        "decided_on": "决定日期",
        "content": "决定内容",
        "done_note": "更新说明",
        "government_number": "决定文号",
        "government_decided_on": "决定日期",
        "government_content": "决定内容",
        "government_outcome": "决定结果",
        "government_file": "县政府决定文件",
    },
    keys_by_subject={
        "objection": {"position": "答复意见", "opinion": "处理意见"},
        "task": {"position": "答复意见", "stance": "是否认可"},
    },
    hidden_keys=frozenset(
        {"correction_id", "needs_correction", "responding_unit_1", "responding_unit_2", "responding_unit_3"}
    ),
    values={**CHOICES, "outcome": ObjectionOutcome, "stance": AnswerStance, "purpose": FilePurpose, "rating": _rating},
    values_by_subject={"objection": {"kind": ObjectionType, "outcome": ObjectionOutcome}},
    values_by_action={
        "objection:coordinated": {"result": COORDINATION_RESULTS},
        "resource:correction_ordered": _CORRECTION,
        "resource:corrected": _CORRECTION,
    },
    values_by_form={
        "objection_triage.schema.json": {
            "decision": {"accept": "受理", "reject": "不予受理", "ask_info": "要求补充材料（一次性告知）"}
        }
    },
)
