"""A diagram holds only BPMN, DI, SpiffWorkflow and our own vocabulary, plain-text documentation, and no endless cycle."""
from pathlib import Path

import pytest

from tests.helpers import BPMN_DIR
from workflows import engine
from workflows.engine import lint

THREE_STEP = (BPMN_DIR / "three_step.bpmn").read_text(encoding="utf-8")
FORMS = lint.load_forms(BPMN_DIR / "forms")
REVIEW = '<bpmn:userTask id="ts_review" name="审核">'
SCRIPT_IN_DOCUMENTATION = ('<bpmn:documentation><html:script xmlns:html="http://www.w3.org/1999/xhtml">'
                           "fetch('/api/v1/tokens', {method: 'POST'})</html:script></bpmn:documentation>")
CONDITION_FLOW = '<bpmn:sequenceFlow id="ts_f4" sourceRef="ts_mark_decided" targetRef="ts_archive" />'


def issues_of(xml: str) -> list[str]:
    found, _ = engine.check(xml, FORMS)
    return [str(i) for i in found]


def in_review(markup: str, attributes: str = "") -> str:
    return THREE_STEP.replace(REVIEW, REVIEW.replace(">", f"{attributes}>") + markup)


def test_a_script_element_in_documentation_is_refused_naming_the_task():
    found = issues_of(in_review(SCRIPT_IN_DOCUMENTATION))
    assert found == ["[ts_review] 说明（documentation）只能是纯文本，不能包含元素 <html:script>，请删除其中的标记"]


@pytest.mark.parametrize("attributes, expected", [
    (' onload="alert(1)"', "不允许的属性“onload”"),
    (' xmlns:svg="http://www.w3.org/2000/svg" svg:onload="alert(1)"', "不允许的属性“svg:onload”"),
    (' xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="javascript:alert(1)"', "不允许的属性“xlink:href”"),
])
def test_a_foreign_attribute_is_refused_naming_the_element(attributes, expected):
    found = issues_of(in_review("", attributes))
    assert any(i.startswith("[ts_review]") and expected in i for i in found), found


@pytest.mark.parametrize("markup, expected", [
    ('<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script></svg:svg>',
     "不允许的元素 <svg:svg>（命名空间 http://www.w3.org/2000/svg）"),
    ('<html:iframe xmlns:html="http://www.w3.org/1999/xhtml" src="/admin"/>', "不允许的元素 <html:iframe>"),
    ("<?php echo 1; ?>", "不允许处理指令"),
])
def test_a_foreign_element_or_processing_instruction_is_refused_naming_the_task(markup, expected):
    found = issues_of(in_review(markup))
    assert any(i.startswith("[ts_review]") and expected in i for i in found), found


def test_a_doctype_with_entities_is_refused():
    xml = THREE_STEP.replace('<?xml version="1.0" encoding="UTF-8"?>',
                             '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY x "lol">]>'
                             '<?xml-stylesheet href="evil.xsl"?>')
    found = issues_of(xml)
    assert "[文件] 不允许 DOCTYPE 声明或实体定义，请删除" in found
    assert any(i.startswith("[文件] 不允许处理指令 <?xml-stylesheet") for i in found), found


def test_annotation_text_must_be_plain_text_too():
    annotation = ('<bpmn:textAnnotation id="ts_note"><bpmn:text>注意<html:b xmlns:html="http://www.w3.org/1999/xhtml">'
                  "加粗</html:b></bpmn:text></bpmn:textAnnotation></bpmn:process>")
    found = issues_of(THREE_STEP.replace("</bpmn:process>", annotation))
    assert found == ["[ts_note] 注释文字（text）只能是纯文本，不能包含元素 <html:b>，请删除其中的标记"]


def test_what_bpmn_js_writes_and_our_own_extensions_pass():
    condition = CONDITION_FLOW.replace(
        " />", '><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">decision == "approve"'
               "</bpmn:conditionExpression></bpmn:sequenceFlow>")
    xml = (in_review('<bpmn:documentation>审核时请核对 &lt;身份证&gt; 原件</bpmn:documentation>',
                     ' xiayi:priority="high"')
           .replace(CONDITION_FLOW, condition)
           .replace('xmlns:bpmn=', f'xmlns:xsi="{lint.XSI}" xmlns:xiayi="{lint.XIAYI}" xmlns:bpmn=', 1)
           .replace("</bpmn:definitions>", "<!-- 由建模器导出 --></bpmn:definitions>"))
    assert issues_of(xml) == []


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[2] / "bpmn").glob("*.bpmn")))
def test_the_shipped_diagrams_pass(path):
    found, _ = engine.check(path.read_text(encoding="utf-8"), lint.load_forms(path.parent / "forms"))
    assert found == [], path.name


def test_a_cycle_of_automatic_steps_is_refused():
    """data_application's cycle through 补正后重新提交 (a person's task) passes, as test_the_shipped_diagrams_pass shows."""
    loop = '<bpmn:sequenceFlow id="ts_loop" sourceRef="ts_mark_decided" targetRef="ts_mark_decided" />'
    found = issues_of(THREE_STEP.replace(CONDITION_FLOW, CONDITION_FLOW + loop))
    assert any(i.startswith("[ts_mark_decided]") and "不经过用户任务或等待事件的循环" in i for i in found), found


def test_loop_markers_are_refused_naming_the_task():
    marker = '<bpmn:standardLoopCharacteristics><bpmn:loopCondition>True</bpmn:loopCondition>' \
             '</bpmn:standardLoopCharacteristics>'
    xml = THREE_STEP.replace('<bpmn:scriptTask id="ts_mark_decided" name="记录决定">',
                             '<bpmn:scriptTask id="ts_mark_decided" name="记录决定">' + marker)
    assert any(i.startswith("[ts_mark_decided]") and "不支持循环或多实例标记" in i for i in issues_of(xml))
