"""Deploy messages a modeler can act on: each names the flow as it is drawn and says in Chinese what went wrong.

The diagram: 审核申请 → 记录决定 → gateway 审核意见, whose conditional flow (通过) and default flow both lead to 归档,
and whose other conditional flow leads to 不通过.
"""

from __future__ import annotations

import pytest
from tests.helpers import BPMN_DIR, open_task, person, unit
from workflows import engine
from workflows.engine import lint
from workflows.errors import EngineStepFailed

XML = (BPMN_DIR / "condition_and_default.bpmn").read_text(encoding="utf-8")
FORMS = lint.load_forms(BPMN_DIR / "forms")
REJECT = '<bpmn:conditionExpression>decision == "reject"</bpmn:conditionExpression>'
APPROVE_FLOW = (
    '<bpmn:sequenceFlow id="cd_f7" sourceRef="cd_decision" targetRef="cd_archive">\n'
    '      <bpmn:conditionExpression>decision == "approve"</bpmn:conditionExpression>\n'
    "    </bpmn:sequenceFlow>"
)
SCRIPT = "<bpmn:script>decided = decision</bpmn:script>"


def issues_of(xml: str) -> list[str]:
    return [str(i) for i in engine.check(xml, FORMS)[0]]


def failures(db, xml: str) -> list[str]:
    with pytest.raises(engine.DeployRejected) as caught:
        engine.deploy(db, xml, FORMS, None)
    return caught.value.details


def test_a_conditional_flow_and_the_default_flow_to_the_same_step_deploy_and_run_every_way(db):
    deployed = engine.deploy(db, XML, FORMS, None)
    assert deployed.created and deployed.dry_run.summary == "2 条路径全部通过"
    to_archive = next(p for p in deployed.dry_run.paths if "cd_archive" in p.elements)
    assert {"cd_f6", "cd_f7"} <= set(to_archive.flows)  # drawn along both flows that join the two steps


def test_a_second_flow_with_the_same_ends_and_condition_is_refused_naming_it_by_its_ends():
    twin = APPROVE_FLOW.replace('id="cd_f7"', 'id="cd_f7b"')
    found = issues_of(XML.replace(APPROVE_FLOW, APPROVE_FLOW + twin))
    assert found == [
        '[cd_f7b] 「审核意见」到「归档」的连线重复：已有一条起点和终点相同的连线，条件也相同（decision == "approve"），'
        "请删除多余的一条"
    ]


def test_a_gateway_exit_without_a_condition_is_named_by_the_steps_it_joins():
    found = issues_of(XML.replace(REJECT, ""))
    assert found == [
        "[cd_decision] 网关“审核意见”有 3 条出口，除默认流外每条都需要条件，缺少条件的是：「审核意见」到「不通过」的连线"
    ]


def test_a_named_flow_is_called_by_its_name_and_an_unnamed_gateway_by_its_kind():
    xml = (
        XML.replace(REJECT, "")
        .replace('id="cd_f5"', 'id="cd_f5" name="退回"')
        .replace('<bpmn:exclusiveGateway id="cd_decision" name="审核意见"', '<bpmn:exclusiveGateway id="cd_decision"')
    )
    assert issues_of(xml) == [
        "[cd_decision] 未命名的排他网关有 3 条出口，除默认流外每条都需要条件，缺少条件的是：连线「退回」"
    ]


def test_a_condition_that_divides_by_zero_on_one_branch_is_said_in_chinese_on_its_flow(db):
    xml = XML.replace(
        REJECT,
        '<bpmn:conditionExpression>decision == "reject" and 1 / (len(reason) - len(reason))'
        "</bpmn:conditionExpression>",
    )
    found = failures(db, xml)
    assert len(found) == 1 and found[0].startswith("[cd_f5] 试运行未通过（路径 ")
    assert found[0].endswith("：「审核意见」到「不通过」的连线上的条件：除数为零")


def test_a_name_only_another_branch_assigns_is_an_unknown_name_on_this_one(db):
    xml = XML.replace(SCRIPT, '<bpmn:script>if decision == "approve":\n    note = "同意"</bpmn:script>').replace(
        REJECT, '<bpmn:conditionExpression>decision == "reject" and note == ""</bpmn:conditionExpression>'
    )
    found = failures(db, xml)
    assert len(found) == 1 and found[0].startswith("[cd_f5] 试运行未通过")
    assert found[0].endswith(
        "：「审核意见」到「不通过」的连线上的条件：未知名称 note：这条路径上前面的环节没有填写或赋值它"
    )


def test_a_script_failing_on_its_second_line_names_the_task_and_the_line(db):
    xml = XML.replace(SCRIPT, "<bpmn:script>decided = decision\nshare = int(reason)</bpmn:script>")
    found = failures(db, xml)
    assert found and all(f.startswith("[cd_record] 试运行未通过") for f in found)
    assert all(
        f.endswith("审核申请 → 记录决定）：“记录决定”：第2行：无法把 '试运行示例数据' 转换为整数") for f in found
    )


def test_a_script_that_fails_only_on_real_data_is_explained_in_chinese_naming_the_step(sessions):
    """The sample reason is not empty, so the dry run passes; a reviewer who leaves it empty meets the failure."""
    xml = XML.replace(SCRIPT, "<bpmn:script>decided = decision\nshare = 1 / len(reason)</bpmn:script>")
    with sessions.begin() as s:
        engine.deploy(s, xml, FORMS, None)
        case = engine.start(
            s,
            "condition_and_default",
            person(s, "machao").id,
            unit(s, "mzj").id,
            {"provider_unit_id": unit(s, "gaj").id, "submitted_at": "2026-02-13T10:00:00+08:00"},
        ).id
        engine.complete_task(s, open_task(s, case).id, person(s, "machao"), {"purpose": "核对"})
    with sessions() as s, pytest.raises(EngineStepFailed) as caught:
        engine.complete_task(s, open_task(s, case).id, person(s, "huangtao"), {"decision": "approve", "reason": ""})
    assert (
        caught.value.message
        == "流程执行出错，本次操作未生效，案件保持原状：第2行：除数为零（环节“记录决定”）。请联系流程建模人员"
    )


def test_an_element_the_engine_cannot_run_is_named_and_explained_in_chinese():
    xml = XML.replace("<bpmn:exclusiveGateway id=", "<bpmn:complexGateway id=").replace(
        "</bpmn:exclusiveGateway>", "</bpmn:complexGateway>"
    )
    assert issues_of(xml) == [
        "[cd_decision] “审核意见”：这种元素本系统不能执行，请改用用户任务、脚本任务、排他网关、并行网关或包容网关"
    ]
