"""The engine's form keywords the review and 补正 forms lean on: fields shown only when they apply, a required-when that
says when, one answer box per question, and the modeler's check of all three."""
import pytest

from workflows.engine import forms
from workflows.errors import ValidationFailed

DECIDE = {"type": "object",
          "properties": {"decision": {"type": "string", "title": "审核意见", "enum": ["approve", "reject"],
                                      "enumNames": ["通过", "不通过"]},
                         "category": {"type": "string", "title": "类别", "enum": ["scope", "other"],
                                      "enumNames": ["超出范围", "其他"]},
                         "concerns": {"type": "array", "title": "超出范围的信息项"}},
          "x-required-when": {"concerns": {"decision": ["reject"], "category": ["scope"]}},
          "x-shown-when": {"category": {"decision": ["reject"]},
                           "concerns": {"decision": ["reject"], "category": ["scope"]}}}
ANSWERS = {"type": "object", "properties": {"answers": {"type": "array", "title": "逐项答复", "x-widget": "answers",
                                                        "maxLength": 10}}}


def test_a_field_not_shown_for_the_choice_made_holds_nothing_even_when_sent():
    clean = forms.validate(DECIDE, {"decision": "approve", "category": "nonsense", "concerns": ["姓名"]})
    assert clean == {"decision": "approve", "category": None, "concerns": None}  # and "nonsense" is not a problem
    assert forms.validate(DECIDE, {"decision": "reject", "category": "other", "concerns": ["姓名"]})["concerns"] is None


def test_a_conditional_field_left_empty_is_refused_saying_when_it_is_required():
    with pytest.raises(ValidationFailed) as refused:
        forms.validate(DECIDE, {"decision": "reject", "category": "scope", "concerns": []})  # nothing checked
    assert refused.value.fields == {"concerns": "超出范围的信息项：类别为“超出范围”时必填"}


def test_an_answer_box_left_empty_keeps_its_place_and_each_answer_has_its_limit():
    assert forms.validate(ANSWERS, {"answers": ["", "已上传受理通知书"]})["answers"] == ["", "已上传受理通知书"]
    with pytest.raises(ValidationFailed) as refused:
        forms.validate(ANSWERS, {"answers": ["一二三四五六七八九十十一"]})
    assert "不能超过 10 个字" in refused.value.fields["answers"]


@pytest.mark.parametrize("schema, problem", [
    ({"properties": {"note": {"type": "string", "x-widget": "answers"}}}, "只能用于多选（array）字段"),
    ({"properties": {"note": {"type": "string"}}, "x-shown-when": {"note": {"missing": ["x"]}}}, "条件显示（x-shown-when）"),
    ({"properties": {"note": {"type": "string"}}, "x-shown-when": {"note": {}}}, "条件显示（x-shown-when）"),
])
def test_the_modeler_is_told_what_a_form_gets_wrong_about_the_new_keywords(schema, problem):
    assert any(problem in p for p in forms.schema_problems(schema)), forms.schema_problems(schema)
