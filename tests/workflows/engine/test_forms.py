"""The engine's form keywords the review and 补正 forms lean on: fields shown only when they apply, a required-when that
says when, one answer box per question, and the modeler's check of all three."""

import json
from datetime import timedelta

import pytest
from jsonschema import Draft202012Validator

from tests.helpers import PRODUCT_BPMN_DIR
from workflows import clock
from workflows.engine import form_meta, forms, sandbox
from workflows.errors import ValidationFailed

DECIDE = {
    "type": "object",
    "properties": {
        "decision": {
            "type": "string",
            "title": "审核意见",
            "enum": ["approve", "reject"],
            "enumNames": ["通过", "不通过"],
        },
        "category": {"type": "string", "title": "类别", "enum": ["scope", "other"], "enumNames": ["超出范围", "其他"]},
        "concerns": {"type": "array", "title": "超出范围的信息项"},
    },
    "x-required-when": {"concerns": {"decision": ["reject"], "category": ["scope"]}},
    "x-shown-when": {"category": {"decision": ["reject"]}, "concerns": {"decision": ["reject"], "category": ["scope"]}},
}
ANSWERS = {
    "type": "object",
    "properties": {"answers": {"type": "array", "title": "逐项答复", "x-widget": "answers", "maxLength": 10}},
}


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


@pytest.mark.parametrize(
    "schema, problem",
    [
        ({"properties": {"note": {"type": "string", "x-widget": "answers"}}}, "只能用于多选（array）字段"),
        (
            {"properties": {"note": {"type": "string"}}, "x-shown-when": {"note": {"missing": ["x"]}}},
            "条件显示（x-shown-when）",
        ),
        ({"properties": {"note": {"type": "string"}}, "x-shown-when": {"note": {}}}, "条件显示（x-shown-when）"),
    ],
)
def test_the_modeler_is_told_what_a_form_gets_wrong_about_the_new_keywords(schema, problem):
    assert any(problem in p for p in forms.schema_problems(schema)), forms.schema_problems(schema)


# --- every shipped form: the meta-schema accepts it, a complete sample passes, each required field is named ----------

FORMS = sorted(PRODUCT_BPMN_DIR.joinpath("forms").glob("*.schema.json"))
SPECIFIC = "身份证号和家庭住址两个信息项超出低保资格核查所需，依据《社会救助暂行办法》第十一条只需核对收入"


def complete_sample(schema: dict) -> dict:
    """A value for every field, as a careful person would fill the form in (a specific text, a day already past)."""
    data = {}
    for name, spec in schema["properties"].items():
        kind = spec.get("type", "string")
        if "enum" in spec:
            data[name] = spec["enum"][0]
        elif kind == "boolean":
            data[name] = True
        elif kind == "integer":
            data[name] = str(max(spec.get("minimum", 1), 1))
        elif kind == "array":
            data[name] = [SPECIFIC]
        elif spec.get("format") == "date":
            data[name] = (clock.today() - timedelta(days=1)).isoformat()
        else:
            data[name] = (SPECIFIC * (spec.get("minLength", 0) // len(SPECIFIC) + 1))[: spec.get("maxLength", 2000)]
    return data


@pytest.mark.parametrize("path", FORMS, ids=[p.name for p in FORMS])
def test_each_shipped_form_passes_the_meta_schema_and_refuses_each_required_field_left_out(path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert forms.schema_problems(schema, sandbox.known_global_names()) == []
    sample = complete_sample(schema)
    forms.validate(schema, sample)
    for name in schema.get("required", []):
        title = schema["properties"][name].get("title", name)
        with pytest.raises(ValidationFailed) as refused:
            forms.validate(schema, {k: v for k, v in sample.items() if k != name})
        said = refused.value.fields.get(name, "")
        assert said.startswith(f"{title}：") and said.endswith("必填"), (name, refused.value.details)


def test_the_meta_schema_is_itself_a_draft_2020_12_json_schema():
    Draft202012Validator.check_schema(form_meta.meta_schema(forms.option_sources(), ["specific_reason"], {"len"}))
