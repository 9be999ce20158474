"""Deploy-time checks of a BPMN file, each naming the element and saying what is wrong in Chinese.

Plain XML work only; the engine adds the SpiffWorkflow parse on top.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from workflows import script_env
from workflows.models.org import ROLE_LABELS, Role

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
FORM_SUFFIX = ".schema.json"
_ROLE_BY_LANE = {r.value: r for r in Role} | {label: role for role, label in ROLE_LABELS.items()}


@dataclass(frozen=True)
class LintIssue:
    element_id: str
    message: str

    def __str__(self) -> str:
        return f"[{self.element_id}] {self.message}"


@dataclass
class Snippet:
    element_id: str
    kind: str  # "expression" or "script"
    source: str
    what: str


@dataclass
class Outline:
    """What the lint learned about a valid file; the engine stores it with the version."""

    process_id: str = ""
    name: str = ""
    lanes: dict[str, str] = field(default_factory=dict)  # user task id -> role
    forms: dict[str, dict] = field(default_factory=dict)


def role_for_lane(name: str | None) -> Role | None:
    return _ROLE_BY_LANE.get((name or "").strip())


def load_forms(folder: Path) -> dict[str, dict | str]:
    """Form schemas by file name; an unreadable file maps to its error text."""
    forms: dict[str, dict | str] = {}
    if not folder.is_dir():
        return forms
    for path in sorted(folder.glob(f"*{FORM_SUFFIX}")):
        try:
            forms[path.name] = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            forms[path.name] = f"不是有效的 JSON：{exc}"
    return forms


def parse_xml(xml: bytes | str):
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(xml, parser)


def lint(xml: bytes | str, forms: dict[str, dict | str]) -> tuple[list[LintIssue], Outline]:
    outline = Outline()
    try:
        root = parse_xml(xml)
    except etree.XMLSyntaxError as exc:
        return [LintIssue("文件", f"不是有效的 XML：{exc}")], outline
    if etree.QName(root).namespace != BPMN or etree.QName(root).localname != "definitions":
        return [LintIssue("文件", "不是 BPMN 2.0 文件（根元素应为 bpmn:definitions）")], outline
    processes = root.findall("bpmn:process[@isExecutable='true']", NS)
    if len(processes) != 1:
        return [LintIssue("文件", "文件中应恰好有一个可执行流程（isExecutable=\"true\"），"
                                f"实际为 {len(processes)} 个")], outline
    process = processes[0]
    outline.process_id = process.get("id", "")
    outline.name = process.get("name") or outline.process_id
    issues = _duplicate_ids(root) + _dangling_flows(process) + _lanes(process, outline)
    issues += _forms(process, forms, outline)
    issues += _snippets(process, outline)
    return issues, outline


def _duplicate_ids(root) -> list[LintIssue]:
    seen, issues = set(), []
    for el in root.iter():
        el_id = el.get("id") if isinstance(el.tag, str) else None
        if not el_id:
            continue
        if el_id in seen:
            issues.append(LintIssue(el_id, "元素 id 重复，请改为唯一的 id"))
        seen.add(el_id)
    return issues


def _dangling_flows(process) -> list[LintIssue]:
    ids = {el.get("id") for el in process.iter() if isinstance(el.tag, str) and el.get("id")}
    issues = []
    for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
        for end, label in (("sourceRef", "起点"), ("targetRef", "终点")):
            ref = flow.get(end)
            if not ref or ref not in ids:
                issues.append(LintIssue(flow.get("id", "?"), f"顺序流的{label}“{ref or '空'}”不存在，请连接到流程中的元素"))
    return issues


def _user_tasks(process):
    return list(process.iter(f"{{{BPMN}}}userTask"))


def _lanes(process, outline: Outline) -> list[LintIssue]:
    issues, lane_of = [], {}
    for lane in process.iter(f"{{{BPMN}}}lane"):
        role = role_for_lane(lane.get("name"))
        if role is None:
            known = "、".join(r.value for r in Role)
            issues.append(LintIssue(lane.get("id", "?"),
                                    f"泳道名称“{lane.get('name') or ''}”不是已知角色（应为 {known} 或其中文名称）"))
            continue
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lane_of[(ref.text or "").strip()] = role
    for task in _user_tasks(process):
        role = lane_of.get(task.get("id"))
        if role is None:
            issues.append(LintIssue(task.get("id"), "用户任务不在任何泳道中，无法确定由哪个角色办理"))
        else:
            outline.lanes[task.get("id")] = role.value
    return issues


def _form_refs(process):
    for el in process.iter():
        if not isinstance(el.tag, str):
            continue
        ref = el.find("bpmn:extensionElements/spiffworkflow:formJsonSchemaFilename", NS)
        if ref is not None and (ref.text or "").strip():
            yield el.get("id", "?"), ref.text.strip()


def _forms(process, forms: dict, outline: Outline) -> list[LintIssue]:
    issues = []
    for el_id, name in _form_refs(process):
        schema = forms.get(name)
        if schema is None:
            issues.append(LintIssue(el_id, f"引用的表单“{name}”不存在，请先放入 bpmn/forms/"))
        elif isinstance(schema, str):
            issues.append(LintIssue(el_id, f"表单“{name}”{schema}"))
        elif not isinstance(schema.get("properties"), dict):
            issues.append(LintIssue(el_id, f"表单“{name}”缺少 properties 定义"))
        else:
            outline.forms[name] = schema
    return issues


def _collect_snippets(process) -> list[Snippet]:
    out = []
    for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
        cond = flow.find("bpmn:conditionExpression", NS)
        if cond is not None and (cond.text or "").strip():
            out.append(Snippet(flow.get("id"), "expression", cond.text, "条件表达式"))
    for task in process.iter(f"{{{BPMN}}}scriptTask"):
        script = task.find("bpmn:script", NS)
        out.append(Snippet(task.get("id"), "script", script.text if script is not None else "", "脚本"))
    for el in process.iter():
        if not isinstance(el.tag, str):
            continue
        for tag, what in (("preScript", "前置脚本"), ("postScript", "后置脚本")):
            node = el.find(f"bpmn:extensionElements/spiffworkflow:{tag}", NS)
            if node is not None and (node.text or "").strip():
                out.append(Snippet(el.get("id"), "script", node.text, what))
    for timer in process.iter(f"{{{BPMN}}}timerEventDefinition"):
        event_id = timer.getparent().get("id")
        for tag in ("timeDate", "timeDuration", "timeCycle"):
            node = timer.find(f"bpmn:{tag}", NS)
            if node is not None:
                out.append(Snippet(event_id, "expression", node.text or "", "定时器表达式"))
    for task in _user_tasks(process):
        props = _properties(task)
        if "due" in props:
            out.append(Snippet(task.get("id"), "expression", props["due"], "期限表达式（due）"))
    return out


def _properties(el) -> dict[str, str]:
    return {p.get("name"): p.get("value", "") for p in
            el.findall("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def _snippets(process, outline: Outline) -> list[LintIssue]:
    issues, snippets, written = [], _collect_snippets(process), set()
    for form in outline.forms.values():
        written |= set(form.get("properties", {}))
    parsed = []
    for sn in snippets:
        if not (sn.source or "").strip():
            issues.append(LintIssue(sn.element_id, f"{sn.what}为空"))
            continue
        try:
            mode = "eval" if sn.kind == "expression" else "exec"
            reads, writes = script_env.names_read_and_written(sn.source, mode)
        except SyntaxError as exc:
            issues.append(LintIssue(sn.element_id, f"{sn.what}语法错误：第{exc.lineno}行 {exc.msg}"))
            continue
        try:
            (script_env.compile_expression if sn.kind == "expression" else script_env.compile_script)(sn.source)
        except script_env.ScriptRejected as exc:
            issues.append(LintIssue(sn.element_id, f"{sn.what}不安全：{exc}"))
            continue
        written |= writes
        parsed.append((sn, reads, writes))
    for task in _user_tasks(process):
        unit_var = _properties(task).get("unit")
        if unit_var:
            parsed.append((Snippet(task.get("id"), "expression", unit_var, "办理单位变量（unit）"), {unit_var}, set()))
    known = script_env.known_global_names() | written
    for sn, reads, writes in parsed:
        unknown = sorted(reads - known - writes)
        if unknown:
            issues.append(LintIssue(sn.element_id, f"{sn.what}使用了未知的名称：{'、'.join(unknown)}"
                                                   "（只能使用表单字段、脚本中赋值的变量和内置函数）"))
    return issues
