"""A diagram holds only BPMN, DI, SpiffWorkflow and our own vocabulary, plain-text documentation, and no endless cycle."""

import pytest

from tests.helpers import PRODUCT_BPMN_DIR, BPMN_DIR
from workflows import engine
from workflows.engine import lint, markup

THREE_STEP = (BPMN_DIR / "three_step.bpmn").read_text(encoding="utf-8")
FORMS = lint.load_forms(BPMN_DIR / "forms")
REVIEW = '<bpmn:userTask id="ts_review" name="审核">'
SCRIPT_IN_DOCUMENTATION = (
    '<bpmn:documentation><html:script xmlns:html="http://www.w3.org/1999/xhtml">'
    "fetch('/api/v1/tokens', {method: 'POST'})</html:script></bpmn:documentation>"
)
CONDITION_FLOW = '<bpmn:sequenceFlow id="ts_f4" sourceRef="ts_mark_decided" targetRef="ts_archive" />'


def issues_of(xml: str) -> list[str]:
    found, _ = engine.check(xml, FORMS)
    return [str(i) for i in found]


def in_review(markup: str, attributes: str = "") -> str:
    return THREE_STEP.replace(REVIEW, REVIEW.replace(">", f"{attributes}>") + markup)


def test_a_script_element_in_documentation_is_refused_naming_the_task():
    found = issues_of(in_review(SCRIPT_IN_DOCUMENTATION))
    assert found == [
        "[ts_review] “审核”的说明（documentation）只能是纯文本，不能包含元素 <html:script>，请删除其中的标记"
    ]


@pytest.mark.parametrize(
    "attributes, expected",
    [
        (' onload="alert(1)"', "不允许的属性“onload”"),
        (' xmlns:svg="http://www.w3.org/2000/svg" svg:onload="alert(1)"', "不允许的属性“svg:onload”"),
        (' xmlns:xlink="http://www.w3.org/1999/xlink" xlink:href="javascript:alert(1)"', "不允许的属性“xlink:href”"),
    ],
)
def test_a_foreign_attribute_is_refused_naming_the_element(attributes, expected):
    found = issues_of(in_review("", attributes))
    assert any(i.startswith("[ts_review]") and expected in i for i in found), found


@pytest.mark.parametrize(
    "markup, expected",
    [
        (
            '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"><svg:script>alert(1)</svg:script></svg:svg>',
            "不允许的元素 <svg:svg>（命名空间 http://www.w3.org/2000/svg）",
        ),
        ('<html:iframe xmlns:html="http://www.w3.org/1999/xhtml" src="/admin"/>', "不允许的元素 <html:iframe>"),
        ("<?php echo 1; ?>", "不允许处理指令"),
    ],
)
def test_a_foreign_element_or_processing_instruction_is_refused_naming_the_task(markup, expected):
    found = issues_of(in_review(markup))
    assert any(i.startswith("[ts_review]") and expected in i for i in found), found


def test_a_doctype_with_entities_is_refused():
    xml = THREE_STEP.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY x "lol">]>' '<?xml-stylesheet href="evil.xsl"?>',
    )
    found = issues_of(xml)
    assert "[文件] 不允许 DOCTYPE 声明或实体定义，请删除" in found
    assert any(i.startswith("[文件] 不允许处理指令 <?xml-stylesheet") for i in found), found


def test_annotation_text_must_be_plain_text_too():
    annotation = (
        '<bpmn:textAnnotation id="ts_note"><bpmn:text>注意<html:b xmlns:html="http://www.w3.org/1999/xhtml">'
        "加粗</html:b></bpmn:text></bpmn:textAnnotation></bpmn:process>"
    )
    found = issues_of(THREE_STEP.replace("</bpmn:process>", annotation))
    assert found == ["[ts_note] 注释文字（text）只能是纯文本，不能包含元素 <html:b>，请删除其中的标记"]


def test_what_bpmn_js_writes_and_our_own_extensions_pass():
    condition = CONDITION_FLOW.replace(
        " />",
        '><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">decision == "approve"'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>",
    )
    xml = (
        in_review("<bpmn:documentation>审核时请核对 &lt;身份证&gt; 原件</bpmn:documentation>", ' xiayi:priority="high"')
        .replace(CONDITION_FLOW, condition)
        .replace("xmlns:bpmn=", f'xmlns:xsi="{lint.XSI}" xmlns:xiayi="{lint.XIAYI}" xmlns:bpmn=', 1)
        .replace("</bpmn:definitions>", "<!-- 由建模器导出 --></bpmn:definitions>")
    )
    assert issues_of(xml) == []


@pytest.mark.parametrize("path", sorted(PRODUCT_BPMN_DIR.glob("*.bpmn")))
def test_the_shipped_diagrams_pass(path):
    found, _ = engine.check(path.read_text(encoding="utf-8"), lint.load_forms(path.parent / "forms"))
    assert found == [], path.name


def test_a_cycle_of_automatic_steps_is_refused():
    """data_application's cycle through 补正后重新提交 (a person's task) passes, as test_the_shipped_diagrams_pass shows."""
    loop = '<bpmn:sequenceFlow id="ts_loop" sourceRef="ts_mark_decided" targetRef="ts_mark_decided" />'
    found = issues_of(THREE_STEP.replace(CONDITION_FLOW, CONDITION_FLOW + loop))
    assert any(i.startswith("[ts_mark_decided]") and "不经过用户任务或等待事件的循环" in i for i in found), found


def test_loop_markers_are_refused_naming_the_task():
    marker = (
        "<bpmn:standardLoopCharacteristics><bpmn:loopCondition>True</bpmn:loopCondition>"
        "</bpmn:standardLoopCharacteristics>"
    )
    xml = THREE_STEP.replace(
        '<bpmn:scriptTask id="ts_mark_decided" name="记录决定">',
        '<bpmn:scriptTask id="ts_mark_decided" name="记录决定">' + marker,
    )
    assert any(i.startswith("[ts_mark_decided]") and "不支持循环或多实例标记" in i for i in issues_of(xml))


def test_schema_location_and_xml_lang_alone_never_refuse_a_file():
    xml = THREE_STEP.replace(
        "xmlns:bpmn=", f'xmlns:xsi="{lint.XSI}" xsi:schemaLocation="{lint.BPMN} BPMN20.xsd" ' "xmlns:bpmn=", 1
    ).replace(REVIEW, REVIEW + '<bpmn:documentation xml:lang="zh-CN">核对身份</bpmn:documentation>')
    assert issues_of(xml) == []


def test_another_tools_extension_is_refused_at_deploy_saying_how_to_open_the_file():
    found = issues_of(in_review("", ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn" camunda:assignee="demo"'))
    assert found == [
        "[ts_review] “审核”（元素 <bpmn:userTask>）含有不允许的属性“camunda:assignee”，请删除。"
        "其他建模工具导出的文件，请在建模器中用“打开文件”打开，这些扩展会被列出并删除"
    ]


def test_opening_a_file_keeps_the_text_of_marked_up_documentation_and_drops_processing_instructions():
    xml = in_review(
        '<bpmn:documentation>审核时请核对<html:b xmlns:html="http://www.w3.org/1999/xhtml">身份证</html:b>'
        "原件<?php echo 1; ?></bpmn:documentation>"
    )
    opened = markup.strip(xml)
    assert opened.removed == ["“审核”：说明（documentation）中的标记 <html:b>（文字已保留）、处理指令 <?php?>"]
    assert "<bpmn:documentation>审核时请核对身份证原件</bpmn:documentation>" in opened.xml
    assert issues_of(opened.xml) == []
