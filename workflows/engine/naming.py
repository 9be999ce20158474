"""How a deploy message names an element: by its Chinese name, or an unnamed flow by the two steps it joins.

A modeler finds 「审核申请」到「不通过」的连线 on the drawing; an id such as Flow_0x3k9 alone tells them nothing.
The id still leads each message (LintIssue.element_id), so the browser can select the element.
"""

from __future__ import annotations

from lxml import etree

KINDS = {
    "userTask": "用户任务",
    "scriptTask": "脚本任务",
    "task": "任务",
    "manualTask": "人工任务",
    "serviceTask": "服务任务",
    "sendTask": "发送任务",
    "receiveTask": "接收任务",
    "businessRuleTask": "规则任务",
    "callActivity": "调用活动",
    "subProcess": "子流程",
    "transaction": "事务",
    "adHocSubProcess": "自由子流程",
    "startEvent": "开始事件",
    "endEvent": "结束事件",
    "boundaryEvent": "边界事件",
    "intermediateCatchEvent": "中间捕获事件",
    "intermediateThrowEvent": "中间抛出事件",
    "exclusiveGateway": "排他网关",
    "inclusiveGateway": "包容网关",
    "parallelGateway": "并行网关",
    "eventBasedGateway": "事件网关",
    "complexGateway": "复杂网关",
    "sequenceFlow": "顺序流",
    "lane": "泳道",
    "process": "流程",
    "participant": "池",
    "textAnnotation": "注释",
    "laneSet": "泳道组",
    "timerEventDefinition": "定时器",
    "conditionExpression": "条件表达式",
    "extensionElements": "扩展元素",
    "BPMNShape": "图形",
    "BPMNEdge": "连线图形",
    "BPMNDiagram": "流程图",
    "BPMNPlane": "画布",
    "definitions": "文件",
}


def kind_of(el) -> str:
    """The element's kind in Chinese (用户任务, 排他网关 …), or its tag when it is not a BPMN kind we know."""
    local = etree.QName(el).localname if isinstance(el.tag, str) else ""
    return KINDS.get(local, local or "元素")


def _name(el) -> str:
    return " ".join((el.get("name") or "").split())


class Names:
    """Labels of the elements of one document, looked up by id."""

    def __init__(self, root):
        self.by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}

    def step(self, ref: str | None) -> str:
        """A flow's end as it appears inside 「…」: its name, else its kind, else the reference as written."""
        el = self.by_id.get(ref or "")
        if el is None:
            return ref or "空"
        if etree.QName(el).localname == "boundaryEvent" and not _name(el):
            return f"{self.step(el.get('attachedToRef'))}的边界事件"
        return _name(el) or kind_of(el)

    def of(self, ref: str | None) -> str:
        """“审核申请”, 连线「通过」, 「审核申请」到「不通过」的连线, or 未命名的排他网关."""
        el = self.by_id.get(ref or "")
        if el is None:
            return f"元素 {ref or '（无 id）'}"
        return self.label(el)

    def label(self, el) -> str:
        name, kind = _name(el), etree.QName(el).localname
        if kind == "definitions":
            return "文件"
        if el.get("bpmnElement"):  # a shape or edge of the drawing
            return f"{self.of(el.get('bpmnElement'))}的图形"
        if kind == "sequenceFlow":
            if name:
                return f"连线「{name}」"
            return f"「{self.step(el.get('sourceRef'))}」到「{self.step(el.get('targetRef'))}」的连线"
        if name:
            return f"“{name}”"
        if kind == "boundaryEvent" and el.get("attachedToRef"):
            return f"“{self.step(el.get('attachedToRef'))}”上未命名的{kind_of(el)}"
        return f"未命名的{kind_of(el)}"

    def owner(self, node) -> str:
        """The nearest element with an id around a node (itself included), labelled; the file when there is none."""
        found = owner_id(node)
        return self.label(self.by_id[found]) if found in self.by_id else "文件"


def owner_id(node) -> str:
    """The id of the nearest element that has one, so a problem deep inside names what a modeler can find."""
    element = node if isinstance(node.tag, str) else node.getparent()
    for el in [element, *element.iterancestors()] if element is not None else []:
        if el.get("id"):
            return el.get("id")
    return "文件"
