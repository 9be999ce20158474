"""A version that would strand its cases never deploys: the shape of the diagram and the contract the code relies on.

Each broken diagram is the one a modeler made by deleting an element in the browser modeler; each is refused
by the modeler's check and deploy, by an XML upload and by `flask deploy-bpmn`, naming the element.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from tests.helpers import PRODUCT_BPMN_DIR, csrf_token, login
from workflows import engine
from workflows.engine import lint
from workflows.models import ProcessVersion

BPMN = PRODUCT_BPMN_DIR
APPLICATION = (BPMN / "data_application.bpmn").read_text(encoding="utf-8")
FORMS = lint.load_forms(BPMN / "forms")


def without(xml: str, *patterns: str) -> str:
    for pattern in patterns:
        xml, count = re.subn(pattern, "", xml, flags=re.S)
        assert count, pattern
    return xml


NO_REVIEW_FLOW = without(
    APPLICATION,
    r'\s*<bpmn:sequenceFlow id="da_f6"[^>]*/>',
    r"\s*<bpmn:outgoing>da_f6</bpmn:outgoing>",
    r"\s*<bpmn:incoming>da_f6</bpmn:incoming>",
    r'\s*<bpmndi:BPMNEdge id="da_f6_di".*?</bpmndi:BPMNEdge>',
)
NO_START_FLOW = without(
    APPLICATION,
    r'\s*<bpmn:sequenceFlow id="da_f1"[^>]*/>',
    r"\s*<bpmn:outgoing>da_f1</bpmn:outgoing>",
    r"\s*<bpmn:incoming>da_f1</bpmn:incoming>",
    r'\s*<bpmndi:BPMNEdge id="da_f1_di".*?</bpmndi:BPMNEdge>',
)
NO_APPROVAL_EVENT = APPLICATION.replace(
    '<bpmn:script>emit("approved")</bpmn:script>', "<bpmn:script>approved = True</bpmn:script>"
)
REVIEW_BY_APPLICANT = APPLICATION.replace(
    '<spiffworkflow:property name="unit" value="provider_unit_id" />',
    '<spiffworkflow:property name="unit" value="applicant_unit_id" />',
)
NO_REVIEW_TASK = without(APPLICATION, r'\s*<bpmn:userTask id="da_review".*?</bpmn:userTask>')
FAILS_ON_RETURN = APPLICATION.replace(
    '<bpmn:conditionExpression>decision == "return"</bpmn:conditionExpression>',
    '<bpmn:conditionExpression>decision == "return" and int(reason) &gt; 0' "</bpmn:conditionExpression>",
)
BROKEN = {
    "the review task deleted": (NO_REVIEW_TASK, "da_f5", "“da_review”不存在"),
    "a condition that fails only when the reviewer returns the application": (FAILS_ON_RETURN, "da_f8", "试运行未通过"),
    "the flow from 审核申请 to the decision gateway deleted": (NO_REVIEW_FLOW, "da_review", "无法到达任何结束事件"),
    "the start flow deleted": (NO_START_FLOW, "da_route_share", "无法从开始事件到达"),
    "the approval no longer emitted": (NO_APPROVAL_EVENT, "data_application", 'emit("approved")'),
    "the review handed to the applying unit": (REVIEW_BY_APPLICANT, "da_review", "应为 provider_unit_id"),
    "the review task given another id": (APPLICATION.replace("da_review", "da_check"), "da_review", "缺少该环节"),
}


def test_the_shipped_diagrams_keep_their_contracts():
    for path in sorted(BPMN.glob("*.bpmn")):
        found, _ = engine.check(path.read_text(encoding="utf-8"), FORMS)
        assert found == [], path.name


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_broken_diagram_is_refused_by_the_check_naming_the_element(name, db):
    xml, element, message = BROKEN[name]
    found = [str(i) for i in engine.verify(db, xml, FORMS).issues]
    assert any(i.startswith(f"[{element}]") and message in i for i in found), found


@pytest.mark.parametrize("name", list(BROKEN))
def test_every_deploy_route_refuses_a_broken_diagram(name, client, app, processes, tmp_path):
    xml, element, message = BROKEN[name]
    login(client, "liuyang")
    token = csrf_token(client, "/processes/")
    checked = client.post("/processes/check", data=xml.encode(), headers={"X-CSRFToken": token}).get_json()
    assert checked["ok"] is False and any(i["element_id"] == element for i in checked["issues"])
    deployed = client.post("/processes/deploy", data=xml.encode(), headers={"X-CSRFToken": token})
    assert deployed.status_code == 422 and any(d.startswith(f"[{element}]") for d in deployed.get_json()["details"])
    page = client.post(
        "/processes/deploy",
        data={"csrf_token": token, "file": (io.BytesIO(xml.encode()), "x.bpmn")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "未部署" in page and f"[{element}]" in page
    (tmp_path / "forms").mkdir()
    for form in (BPMN / "forms").iterdir():
        (tmp_path / "forms" / form.name).write_bytes(form.read_bytes())
    (tmp_path / "data_application.bpmn").write_text(xml, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["deploy-bpmn", str(tmp_path / "data_application.bpmn")])
    assert result.exit_code == 1 and f"[{element}]" in result.output and message in result.output
    with processes() as s:
        assert (
            s.scalar(select(func.max(ProcessVersion.version)).where(ProcessVersion.process_key == "data_application"))
            == 1
        )
