"""What a new version changes, as the deploy confirmation and the versions page say it: added, removed, changed."""

from __future__ import annotations


from tests.helpers import PRODUCT_BPMN_DIR
from workflows.engine import lint, versiondiff

BPMN = PRODUCT_BPMN_DIR
APPLICATION = (BPMN / "data_application.bpmn").read_text(encoding="utf-8")
FORMS = lint.load_forms(BPMN / "forms")


def lines(old: str, new: str, new_forms=None) -> list[str]:
    return versiondiff.diff(old, FORMS, new, new_forms or FORMS).lines()


def test_a_shorter_review_period_reads_as_the_modeler_set_it():
    assert lines(APPLICATION, APPLICATION.replace('name="period" value="5"', 'name="period" value="3"')) == [
        "审核申请：期限 5 → 3 个工作日"
    ]


def test_renaming_a_lane_is_one_change_and_moving_a_task_to_another_lane_is_another():
    renamed = APPLICATION.replace('name="提供单位审核"', 'name="提供单位科室审核"')
    assert lines(APPLICATION, renamed) == ["泳道“提供单位审核”改名为“提供单位科室审核”"]
    moved = APPLICATION.replace("<bpmn:flowNodeRef>da_supervise</bpmn:flowNodeRef>", "").replace(
        "<bpmn:flowNodeRef>da_review</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>da_review</bpmn:flowNodeRef><bpmn:flowNodeRef>da_supervise</bpmn:flowNodeRef>",
    )
    assert lines(APPLICATION, moved) == ["督办：审核逾期：从泳道“县大数据局协调”移到“提供单位审核”"]


def test_removed_and_added_elements_and_a_changed_condition_are_named():
    new = APPLICATION.replace(
        '<bpmn:script>emit("rejected")</bpmn:script>', '<bpmn:script>emit("rejected")\nnoted = True</bpmn:script>'
    )
    new = new.replace(
        'decision == "return"</bpmn:conditionExpression>', 'decision in ("return",)</bpmn:conditionExpression>'
    )
    new = new.replace(
        '<bpmn:endEvent id="da_reminder_end" name="催办已发出">', '<bpmn:endEvent id="da_reminder_done" name="已催办">'
    )
    found = lines(APPLICATION, new)
    assert "新增结束事件“已催办”" in found and "删除结束事件“催办已发出”" in found
    assert '连线「退回补正（暂停计时）」：条件 “decision == "return"” → “decision in ("return",)”' in found
    assert (
        "「催办审核人和分管领导」到「da_reminder_end」的连线：连接 “催办审核人和分管领导 → 催办已发出” → "
        "“催办审核人和分管领导 → da_reminder_end”" in found
    )  # an unnamed flow, by the steps it joins
    assert any(line.startswith("不通过：告知理由：脚本") for line in found)


def test_a_changed_form_names_its_fields():
    edited = dict(FORMS)
    review = dict(FORMS["application_review.schema.json"])
    review["properties"] = {k: v for k, v in review["properties"].items() if k != "approved_until"}
    edited["application_review.schema.json"] = review
    assert lines(APPLICATION, APPLICATION, edited) == [
        "审核申请：表单 application_review.schema.json：删除字段 approved_until"
    ]
