"""The data application process (bpmn/data_application.bpmn) as the code relies on it: its keys and its contract."""

from __future__ import annotations

from workflows import engine

PROCESS = "data_application"
REVIEW_TASK = "da_review"  # the provider's review
RESUBMIT_TASK = "da_resubmit"  # the applicant's resubmission after a return
COORDINATE_TASK = "da_coordinate"  # the bureau, when the provider answers it cannot carry out a county decision

CONTRACT = engine.ProcessContract(
    PROCESS,
    tasks={
        REVIEW_TASK: engine.TaskContract(
            "审核申请",
            "reviewer",
            "provider_unit_id",
            (
                "decision",
                "reason",
                "rejection_category",
                "missing_basis",
                "concerns",
                "provision",
                "holder_unit_id",
                "approved_items",
                "approved_until",
            ),
        ),
        RESUBMIT_TASK: engine.TaskContract(
            "补正后重新提交", "applicant", "applicant_unit_id", ("answers", "attachments")
        ),
        COORDINATE_TASK: engine.TaskContract("研究提供单位意见", "coordinator", None, ("next_step", "opinion")),
    },
    emits={
        "approved": "审核通过后的授权、审批记录和通知",
        "rejected": "不予通过的审批记录和通知",
        "auto_grant": "无条件共享资源的直接授权",
        "cannot_comply": "提供单位不能执行县政府决定时转县大数据局协调",
    },
)
