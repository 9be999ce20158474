"""The objection process (bpmn/objection.bpmn) as the code relies on it: its task keys and its contract."""

from __future__ import annotations

from workflows import engine

PROCESS = "objection"
TRIAGE, SUPPLEMENT, TRANSFER = "ob_triage", "ob_supplement", "ob_transfer"
ANSWERS = ("ob_answer_1", "ob_answer_2", "ob_answer_3")  # one per responding unit, answered in parallel
DECIDE, COORDINATE, REFER, CORRECT, RATE = "ob_decide", "ob_coordinate", "ob_refer", "ob_correct", "ob_rate"
GOVERNMENT = "ob_government"  # the coordinator records the county government's decision on a referral
BUREAU_TASKS = (TRIAGE, TRANSFER, DECIDE, COORDINATE, REFER, GOVERNMENT)  # the bureau's own steps: recusal applies
RAISER_TASKS = (SUPPLEMENT, RATE)  # handled by the person who raised the objection, nobody else
MAX_RESPONDERS = len(ANSWERS)

_answer = {
    key: engine.TaskContract("答复异议", "unit_admin", f"responding_unit_{n}", ("stance", "position", "evidence"))
    for n, key in enumerate(ANSWERS, start=1)
}

CONTRACT = engine.ProcessContract(
    PROCESS,
    tasks={
        TRIAGE: engine.TaskContract("受理审查", "coordinator", None, ("decision", "reason", "info_request")),
        SUPPLEMENT: engine.TaskContract("补充材料", "applicant", "raiser_unit_id", ("supplement",)),
        TRANSFER: engine.TaskContract("转办答复单位", "coordinator", None, ("responding_unit_ids",)),
        DECIDE: engine.TaskContract(
            "研究处理意见", "coordinator", None, ("resolution", "outcome", "opinion", "grant_action", "incident")
        ),
        COORDINATE: engine.TaskContract(
            "协调并作出决定",
            "coordinator",
            None,
            ("meeting_date", "participants", "minutes", "coordination_result", "opinion"),
        ),
        REFER: engine.TaskContract("提请县政府领导小组", "coordinator", None, ("referral_document", "referred_on")),
        GOVERNMENT: engine.TaskContract(
            "记录县政府决定",
            "coordinator",
            None,
            ("government_number", "government_decided_on", "government_content", "government_outcome", "grant_action"),
        ),
        CORRECT: engine.TaskContract(
            "纠正目录或数据", "unit_admin", "correction_unit_id", ("done_note", "corrected_on")
        ),
        RATE: engine.TaskContract("评价处理结果", "applicant", "raiser_unit_id", ("rating", "rating_comment")),
    }
    | _answer,
)
