"""What a diagram may contain, checked at deploy, and the foreign parts taken out when a file from another tool is opened.

Deploy accepts only the BPMN, BPMN DI, DC/DI, SpiffWorkflow and our own xiayi vocabularies, plain-text documentation
and no DOCTYPE or processing instructions: nothing a browser could run. Two standard XML attributes that other
modelers write everywhere are accepted as they are, because neither does anything here: xsi:schemaLocation (a hint
where the BPMN schema lives; nothing validates against it or fetches it) and xml:lang (the language of a text).
Camunda Modeler, Signavio and Bizagi also write extension elements and attributes of their own; deploy refuses them,
and the browser modeler's "打开文件" takes them out first and lists them for the modeler to confirm (strip()).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lxml import etree

from workflows.engine.naming import Names, owner_id

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XIAYI = "http://xiayi.gov.example/bpmn/ext"  # our own extension elements and attributes, prefix xiayi
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML = "http://www.w3.org/XML/1998/namespace"
ALLOWED_NAMESPACES = frozenset({BPMN, BPMNDI, DC, DI, SPIFF, XIAYI})
STANDARD_ATTRIBUTES = frozenset({(XSI, "type"), (XSI, "schemaLocation"), (XML, "lang")})
PLAIN_TEXT = {f"{{{BPMN}}}documentation": "说明（documentation）", f"{{{BPMN}}}text": "注释文字（text）"}
# The unqualified attributes the BPMN 2.0, DI, DC and SpiffWorkflow schemas define (read from their XSDs).
ATTRIBUTES = frozenset(
    """
activityRef associationDirection attachedToRef backoff_base behavior bpmnElement calledChoreographyRef
calledCollaborationRef calledElement cancelActivity cancelRemainingInstances capacity categoryValueRef
choreographyActivityShape completionQuantity correlationKeyRef correlationPropertyRef dataObjectRef
dataStoreRef default definition definitionalCollaborationRef direction documentation errorCode errorRef
escalationCode escalationRef evaluatesToTypeRef eventGatewayType exporter exporterVersion expressionLanguage
gatewayDirection height id implementation implementationRef importType initiatingParticipantRef
innerConversationNodeRef innerMessageFlowRef inputDataRef instantiate isBold isClosed isCollection
isExecutable isExpanded isForCompensation isHorizontal isImmediate isInterrupting isItalic isMarkerVisible
isMessageVisible isRequired isSequential isStrikeThrough isUnderline isUnlimited itemKind itemRef
itemSubjectRef labelStyle language location loopMaximum loopType maximum messageRef messageVisibleKind method
minimum mustUnderstand name namespace noneBehaviorEventRef oneBehaviorEventRef operationRef ordering
outerConversationNodeRef outerMessageFlowRef outputDataRef parallelMultiple parameterRef participantBandKind
partitionElementRef processRef processType resolution resultVariable retries scriptFormat scriptLanguage
signalRef size sourceElement sourceRef startQuantity structureRef targetElement targetNamespace targetRef
testBefore textFormat triggeredByEvent type typeLanguage value waitForCompletion width x y
""".split()
)
NOT_BPMN = "不是 BPMN 2.0 文件（根元素应为 bpmn:definitions）"
OPEN_IN_MODELER = "其他建模工具导出的文件，请在建模器中用“打开文件”打开，这些扩展会被列出并删除"
_DRAWING = frozenset({BPMNDI, DC, DI})


def parse_xml(xml: bytes | str):
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(xml, parser)


_XML_ERRORS = [
    ("Start tag expected", "开头应为 < 标签"),
    ("Opening and ending tag mismatch", "开始标签和结束标签不匹配"),
    ("Premature end of data", "文件不完整（缺少结束标签）"),
    ("AttValue", "属性值应写在引号中"),
    ("Extra content at the end", "根元素之后还有多余内容"),
    ("xmlParseEntityRef", "& 应写成 &amp;amp;"),
    ("Couldn't find end of Start Tag", "标签没有正确结束"),
    ("Document is empty", "文件是空的"),
]


def xml_problem(exc: etree.XMLSyntaxError) -> str:
    """lxml's parse error in Chinese, with where it is."""
    line, column = exc.position if exc.position else (exc.lineno, 0)
    said = next((zh for en, zh in _XML_ERRORS if (exc.msg or "").startswith(en)), "格式错误")
    return f"不是有效的 XML：第 {line} 行第 {column} 个字符附近{said}"


def prefixed(node, name: str) -> str:
    qname = etree.QName(name)
    prefix = next((p for p, uri in (node.nsmap or {}).items() if uri == qname.namespace and p), None)
    if qname.namespace == XML:
        prefix = "xml"
    return f"{prefix}:{qname.localname}" if prefix else (qname.localname if not qname.namespace else name)


def attribute_allowed(name: str) -> bool:
    qname = etree.QName(name)
    if qname.namespace is None:
        return qname.localname in ATTRIBUTES
    return qname.namespace in ALLOWED_NAMESPACES or (qname.namespace, qname.localname) in STANDARD_ATTRIBUTES


def check(root, issue) -> list:
    """Every part of the file deploy does not accept, named on the nearest element a modeler can find."""
    info, names, found = root.getroottree().docinfo, Names(root), []
    if info.doctype or info.internalDTD is not None:
        found.append(issue("文件", "不允许 DOCTYPE 声明或实体定义，请删除"))
    stack = [root, *root.itersiblings(preceding=True), *root.itersiblings()]  # siblings: comments and PIs
    while stack:
        node = stack.pop()
        problem = _problem(node, names)
        if problem:
            found.append(issue(owner_id(node), problem))
        else:
            stack.extend(node)
    return found


def _problem(node, names: Names) -> str | None:
    if node.tag is etree.Comment:
        return None
    if node.tag is etree.PI:
        return f"不允许处理指令 <?{node.target} …?>，请删除"
    if not isinstance(node.tag, str):
        return "不允许实体引用，请改为普通文字"
    parent = node.getparent()
    if parent is not None and parent.tag in PLAIN_TEXT:
        owner = names.by_id.get(owner_id(parent))
        whose = f"{names.label(owner)}的" if owner is not None and (owner.get("name") or "").strip() else ""
        return (
            f"{whose}{PLAIN_TEXT[parent.tag]}只能是纯文本，"
            f"不能包含元素 <{prefixed(node, node.tag)}>，请删除其中的标记"
        )
    namespace = etree.QName(node).namespace
    if namespace not in ALLOWED_NAMESPACES:
        return (
            f"{names.owner(parent if parent is not None else node)}含有不允许的元素 <{prefixed(node, node.tag)}>"
            f"（命名空间 {namespace or '无'}）：只能使用 BPMN、BPMN DI、SpiffWorkflow 和本系统扩展（xiayi）的元素。"
            f"{OPEN_IN_MODELER}"
        )
    for name in node.attrib:
        if not attribute_allowed(name):
            return (
                f"{names.owner(node)}（元素 <{prefixed(node, node.tag)}>）含有不允许的属性“{prefixed(node, name)}”，"
                f"请删除。{OPEN_IN_MODELER}"
            )
    return None


@dataclass
class Stripped:
    """A file from another modeler without what this system does not read, and what was taken out, in Chinese."""

    xml: str
    process_id: str = ""
    removed: list[str] = field(default_factory=list)


class _Removals:
    def __init__(self, names: Names):
        self.names = names
        self.by_owner: dict[str, list[str]] = defaultdict(list)
        self.drawing: dict[str, int] = defaultdict(int)

    def add(self, owner, what: str) -> None:
        if etree.QName(owner).namespace in _DRAWING:  # colours and label styles: one line for the whole drawing
            self.drawing[what] += 1
        elif what not in self.by_owner[self.names.owner(owner)]:
            self.by_owner[self.names.owner(owner)].append(what)

    def lines(self) -> list[str]:
        out = [f"{owner}：{'、'.join(items)}" for owner, items in self.by_owner.items()]
        if self.drawing:
            out.append(f"流程图的显示样式：{'、'.join(self.drawing)}（共 {sum(self.drawing.values())} 处）")
        return out


def strip(xml: bytes | str) -> Stripped:
    """The file without other tools' extension elements and attributes and processing instructions.

    Markup inside documentation keeps its text; nothing of the BPMN vocabulary itself is touched (deploy still
    checks what remains). ValueError, in Chinese, for a file that is not BPMN XML or declares a DOCTYPE.
    """
    try:
        root = parse_xml(xml)
    except etree.XMLSyntaxError as exc:
        raise ValueError(xml_problem(exc)) from None
    if etree.QName(root) != etree.QName(BPMN, "definitions"):
        raise ValueError(NOT_BPMN)
    if root.getroottree().docinfo.doctype:
        raise ValueError("不允许 DOCTYPE 声明或实体定义，请删除后重新打开")
    removals = _Removals(Names(root))
    for sibling in [*root.itersiblings(preceding=True), *root.itersiblings()]:  # not written back out
        if sibling.tag is etree.PI:
            removals.add(root, f"处理指令 <?{sibling.target}?>")
    stack = [root]
    while stack:
        node = stack.pop()
        if node.tag is etree.PI:
            removals.add(node.getparent(), f"处理指令 <?{node.target}?>")
            _remove(node)
        elif isinstance(node.tag, str) and not _strip_element(node, removals):
            stack.extend(reversed(node))  # popped in document order, so the list reads top to bottom
    for node in root.iter(f"{{{BPMN}}}extensionElements"):
        if len(node) == 0 and not (node.text or "").strip():
            node.getparent().remove(node)
    etree.cleanup_namespaces(root)
    process = root.find(f"{{{BPMN}}}process[@isExecutable='true']")
    process = process if process is not None else root.find(f"{{{BPMN}}}process")  # made executable in the panel
    text = etree.tostring(root, encoding="unicode")
    return Stripped(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + text,
        process.get("id", "") if process is not None else "",
        removals.lines(),
    )


def _strip_element(node, removals: _Removals) -> bool:
    """Strip one element's foreign attributes; True when the element itself was taken out."""
    parent = node.getparent()
    if parent is not None and parent.tag in PLAIN_TEXT:
        removals.add(parent, f"{PLAIN_TEXT[parent.tag]}中的标记 <{prefixed(node, node.tag)}>（文字已保留）")
        _unwrap(node)
        return True
    if etree.QName(node).namespace not in ALLOWED_NAMESPACES:
        removals.add(parent if parent is not None else node, f"扩展元素 <{prefixed(node, node.tag)}>")
        _remove(node)
        return True
    for name in [n for n in node.attrib if not attribute_allowed(n)]:
        removals.add(node, f"属性 {prefixed(node, name)}")
        del node.attrib[name]
    return False


def _remove(node) -> None:
    """Take a node out, keeping the text that follows it."""
    parent, previous = node.getparent(), node.getprevious()
    if node.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def _unwrap(node) -> None:
    """Replace an element with the text inside it."""
    text = "".join(node.itertext())
    node.tail = text + (node.tail or "")
    _remove(node)
