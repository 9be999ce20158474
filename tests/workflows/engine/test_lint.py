"""Deploy refuses diagrams that could reach the OS or would fail later, naming the element."""

import pytest

from tests.helpers import BPMN_DIR
from workflows import engine
from workflows.engine import lint
from workflows.models import ProcessVersion

THREE_STEP = (BPMN_DIR / "three_step.bpmn").read_text(encoding="utf-8")
FORMS = lint.load_forms(BPMN_DIR / "forms")
SCRIPT = 'decided = decision\nlabel = "通过" if decision == "approve" else "不通过"'
TIMER = "working_day_start(working_days_after(submitted_at, 5))"


def issues_of(xml: str, forms=FORMS) -> list[str]:
    found, _ = engine.check(xml, forms)
    return [str(i) for i in found]


def test_the_test_process_passes_the_lint():
    assert issues_of(THREE_STEP) == []


@pytest.mark.parametrize(
    "script, expected",
    [
        ("__import__('os').system('id')", "“记录决定”的脚本不安全：第1行：不允许使用以下划线开头的名称“__import__”"),
        ("x = ().__class__.__base__.__subclasses__()", "不允许使用以下划线开头的属性“__class__”"),
        ("data = open('/etc/passwd').read()", "“记录决定”的脚本使用了未知名称 open（"),
        ("label = decisoin", "使用了未知名称 decisoin（"),
        ("label = (", "“记录决定”的脚本语法错误：第1行 “(”没有对应的右括号"),
        ("label = “通过”", "第1行 含有不能用的字符 “（U+201C）：标点请用英文半角"),
        ("if decision == 'approve'\n    label = 1", "语法错误：第1行 缺少冒号“:”"),
        ("return 1", "语法错误：第1行 return 只能写在函数之中"),
        ("import os", "不允许导入模块"),
        ("exec('1')", "第1行：不允许调用 exec()"),
        ("x = decision.gi_frame", "第1行：不允许访问属性“gi_frame”"),
        ("async def f():\n    pass", "第1行：不允许使用 AsyncFunctionDef 语句"),
    ],
)
def test_an_unsafe_or_broken_script_is_rejected_in_chinese_naming_its_task(script, expected):
    found = issues_of(THREE_STEP.replace(SCRIPT, script))
    assert any(i.startswith("[ts_mark_decided]") and expected in i for i in found), found
    assert not any(word in " ".join(found) for word in ("not allowed", "invalid", "Line ", "statement", "expected"))


def test_a_condition_using_an_unknown_name_names_its_flow():
    xml = THREE_STEP.replace(
        '<bpmn:sequenceFlow id="ts_f4" sourceRef="ts_mark_decided" targetRef="ts_archive" />',
        '<bpmn:sequenceFlow id="ts_f4" sourceRef="ts_mark_decided" targetRef="ts_archive">'
        '<bpmn:conditionExpression>eval("1")</bpmn:conditionExpression></bpmn:sequenceFlow>',
    )
    assert "[ts_f4] 「记录决定」到「归档」的连线上的条件表达式不安全：第1行：不允许调用 eval()" in issues_of(xml)


def test_a_timer_expression_reaching_dunder_attributes_is_rejected():
    found = issues_of(THREE_STEP.replace(TIMER, "submitted_at.__class__"))
    assert any(i.startswith("[ts_remind] “催办”的定时器表达式不安全") for i in found), found


def test_a_lane_that_is_not_a_role_is_rejected():
    found = issues_of(THREE_STEP.replace('name="coordinator"', 'name="领导"'))
    assert any(i.startswith("[Lane_coordinator]") and "没有设置办理角色" in i for i in found)


def test_a_lane_named_in_chinese_takes_its_role_from_the_xiayi_attribute():
    xml = THREE_STEP.replace(
        "xmlns:spiffworkflow=", 'xmlns:xiayi="http://xiayi.gov.example/bpmn/ext" xmlns:spiffworkflow='
    )
    assert issues_of(xml.replace('name="coordinator"', 'name="县大数据局归档" xiayi:role="coordinator"')) == []
    found = issues_of(xml.replace('name="coordinator"', 'name="县大数据局归档" xiayi:role="boss"'))
    assert any(i.startswith("[Lane_coordinator]") and "办理角色“boss”不存在" in i for i in found)


def test_a_dangling_sequence_flow_is_named():
    found = issues_of(THREE_STEP.replace('targetRef="ts_archive"', 'targetRef="ts_nowhere"'))
    assert "[ts_f4] 「记录决定」到「ts_nowhere」的连线的终点“ts_nowhere”不存在，请连接到流程中的元素" in found


def test_a_missing_form_schema_is_named():
    found = issues_of(THREE_STEP, {k: v for k, v in FORMS.items() if k != "three_step_review.schema.json"})
    assert any(i.startswith("[ts_review]") and "three_step_review.schema.json" in i for i in found)


def test_duplicate_ids_are_rejected():
    xml = THREE_STEP.replace('<bpmn:endEvent id="ts_reminder_end">', '<bpmn:endEvent id="ts_end">')
    assert any(i.startswith("[ts_end]") and "重复" in i for i in issues_of(xml))


def test_a_file_that_is_not_xml_is_rejected_in_chinese():
    assert issues_of("hello")[0].startswith("[文件] 不是有效的 XML")


def test_a_rejected_deploy_stores_nothing(db):
    with pytest.raises(engine.DeployRejected) as caught:
        engine.deploy(db, THREE_STEP.replace(SCRIPT, "import os"), FORMS, None)
    assert "未部署" in caught.value.message
    assert db.query(ProcessVersion).count() == 0
