"""Deploy-time checks of a BPMN file, each naming the element and saying what is wrong in Chinese.

Plain XML work only; the engine adds the SpiffWorkflow parse on top.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from workflows.engine import explain, markup, sandbox, structure
from workflows.engine import forms as forms_schema
from workflows.engine.markup import BPMN, SPIFF, XIAYI, XSI, parse_xml  # noqa: F401  (the names lint's users read)
from workflows.engine.naming import Names, owner_id
from workflows.models.org import ROLE_LABELS, Role

NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}
# Flow nodes at which a case stops and waits; a cycle through none of them would keep the engine running.
WAITING = frozenset(
    {"userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "eventBasedGateway", "callActivity"}
)
SUBPROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
LOOP_MARKERS = ("standardLoopCharacteristics", "multiInstanceLoopCharacteristics")
FORM_SUFFIX = ".schema.json"
_ROLE_BY_LANE = {r.value: r for r in Role} | {label: role for role, label in ROLE_LABELS.items()}
LANE_ROLES = (Role.APPLICANT, Role.REVIEWER, Role.UNIT_ADMIN, Role.COORDINATOR)  # who handles tasks


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
    task_forms: dict[str, str] = field(default_factory=dict)  # user task id -> form file name
    task_properties: dict[str, dict[str, str]] = field(default_factory=dict)  # user task id -> its properties
    emits: set[str] = field(default_factory=set)  # events the scripts emit("…")
    templates: dict[str, set[str]] = field(default_factory=dict)  # element id -> emit(…, template="…") names


def role_for_lane(name: str | None) -> Role | None:
    """A lane named by a role code or its Chinese label (how versions before xiayi:role named their lanes)."""
    return _ROLE_BY_LANE.get((name or "").strip())


def lane_role(lane) -> Role | None:
    """The role a lane's tasks need: its xiayi:role attribute, else a role code or label as its name."""
    code = lane.get(f"{{{XIAYI}}}role")
    if code is not None:
        return _ROLE_BY_LANE.get(code.strip())
    return role_for_lane(lane.get("name"))


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


def lint(xml: bytes | str, forms: dict[str, dict | str]) -> tuple[list[LintIssue], Outline]:
    outline = Outline()
    try:
        root = parse_xml(xml)
    except etree.XMLSyntaxError as exc:
        return [LintIssue("文件", markup.xml_problem(exc))], outline
    if etree.QName(root) != etree.QName(BPMN, "definitions"):
        return [LintIssue("文件", markup.NOT_BPMN)], outline
    names, found = Names(root), markup.check(root, LintIssue)
    processes = root.findall("bpmn:process[@isExecutable='true']", NS)
    if len(processes) != 1:
        return found + [
            LintIssue("文件", '文件中应恰好有一个可执行流程（isExecutable="true"），' f"实际为 {len(processes)} 个")
        ], outline
    process = processes[0]
    outline.process_id = process.get("id", "")
    outline.name = process.get("name") or outline.process_id
    issues = found + _duplicate_ids(root, names) + _dangling_flows(process, names) + _endless(process, names)
    issues += _lanes(process, outline, names)
    if not issues:  # the shape is judged once every flow points at an element
        issues += structure.issues(process, LintIssue, names)
    issues += _forms(process, forms, outline)
    issues += _snippets(process, outline, names)
    return issues, outline


def _waits(el) -> bool:
    name = etree.QName(el).localname
    if name in SUBPROCESSES:
        return any(etree.QName(inner).localname in WAITING for inner in el.iter() if isinstance(inner.tag, str))
    return name in WAITING


def _endless(process, names: Names) -> list[LintIssue]:
    """Refuse what could keep the engine busy within one step: loop markers and cycles no person or event interrupts."""
    issues = [
        LintIssue(
            owner_id(marker),
            f"{names.owner(marker)}：不支持循环或多实例标记（可能无休止地执行），" "请改用经过用户任务的顺序流",
        )
        for tag in LOOP_MARKERS
        for marker in process.iter(f"{{{BPMN}}}{tag}")
    ]
    automatic = {el.get("id") for el in process.iter() if isinstance(el.tag, str) and el.get("id") and not _waits(el)}
    succ, pred = defaultdict(set), defaultdict(set)
    for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in automatic and target in automatic:
            succ[source].add(target)
            pred[target].add(source)
    alive = set(succ) | set(pred)
    queue = [n for n in alive if not succ[n] or not pred[n]]
    while queue:  # peel off nodes with no way in or out; what stays lies on a cycle
        node = queue.pop()
        if node not in alive:
            continue
        alive.discard(node)
        queue.extend(m for m in succ[node] | pred[node] if m in alive and not (succ[m] & alive and pred[m] & alive))
    if alive:
        cycle = sorted(alive)
        issues.append(
            LintIssue(
                cycle[0],
                f"流程中有不经过用户任务或等待事件的循环（{'、'.join(map(names.of, cycle))}），"
                "会使流程引擎无休止地运行，请在循环中加入用户任务",
            )
        )
    return issues


def _duplicate_ids(root, names: Names) -> list[LintIssue]:
    seen, issues = set(), []
    for el in root.iter():
        el_id = el.get("id") if isinstance(el.tag, str) else None
        if not el_id:
            continue
        if el_id in seen:
            issues.append(LintIssue(el_id, f"{names.label(el)}的 id 与另一个元素重复，请改为唯一的 id"))
        seen.add(el_id)
    return issues


def _dangling_flows(process, names: Names) -> list[LintIssue]:
    ids = {el.get("id") for el in process.iter() if isinstance(el.tag, str) and el.get("id")}
    issues = []
    for flow in process.iter(f"{{{BPMN}}}sequenceFlow"):
        for end, label in (("sourceRef", "起点"), ("targetRef", "终点")):
            ref = flow.get(end)
            if not ref or ref not in ids:
                issues.append(
                    LintIssue(
                        flow.get("id", "?"),
                        f"{names.label(flow)}的{label}“{ref or '空'}”不存在，" "请连接到流程中的元素",
                    )
                )
    return issues


def _user_tasks(process):
    return list(process.iter(f"{{{BPMN}}}userTask"))


def _lanes(process, outline: Outline, names: Names) -> list[LintIssue]:
    issues, lane_of = [], {}
    for lane in process.iter(f"{{{BPMN}}}lane"):
        role = lane_role(lane)
        if role is None:
            issues.append(LintIssue(lane.get("id", "?"), _lane_problem(lane)))
            continue
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            lane_of[(ref.text or "").strip()] = role
    for task in _user_tasks(process):
        outline.task_properties[task.get("id")] = properties(task)
        role = lane_of.get(task.get("id"))
        if role is None:
            issues.append(
                LintIssue(task.get("id"), f"用户任务{names.label(task)}不在任何泳道中，无法确定由哪个角色办理")
            )
        else:
            outline.lanes[task.get("id")] = role.value
    return issues


def _lane_problem(lane) -> str:
    known = "、".join(f"{ROLE_LABELS[role]}（{role.value}）" for role in LANE_ROLES)
    code = lane.get(f"{{{XIAYI}}}role")
    if code is not None:
        return f"泳道“{lane.get('name') or lane.get('id')}”的办理角色“{code}”不存在，请在属性面板中选择：{known}"
    return f"泳道“{lane.get('name') or ''}”没有设置办理角色：请在属性面板中选择角色（{known}）"


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
        outline.task_forms[el_id] = name
        schema = forms.get(name)
        if schema is None:
            issues.append(LintIssue(el_id, f"引用的表单“{name}”不存在，请先放入 bpmn/forms/"))
        elif isinstance(schema, str):
            issues.append(LintIssue(el_id, f"表单“{name}”{schema}"))
        elif problems := forms_schema.schema_problems(schema, sandbox.known_global_names()):
            issues += [LintIssue(el_id, f"表单“{name}”：{p}") for p in problems]
        else:
            outline.forms[name] = schema
    return issues


def collect_snippets(process) -> list[Snippet]:
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
        props = properties(task)
        if "due" in props:
            out.append(Snippet(task.get("id"), "expression", props["due"], "期限表达式（due）"))
    return out


_TASK_DUE = re.compile(r"""\btask_due\(\s*["'](\w+)["']""")


def _periods(process, snippets: list[Snippet], names: Names) -> list[LintIssue]:
    """A period is whole working days counted from a field; task_due() names a task that has one."""
    issues, timed = [], set()
    for task in _user_tasks(process):
        props = properties(task)
        if "period" not in props:
            continue
        period = props["period"].strip()
        if not (period.isascii() and period.isdigit() and 1 <= int(period) <= sandbox.MAX_WORKING_DAYS):
            issues.append(
                LintIssue(
                    task.get("id"),
                    f"办理期限（period）应为 1 到 {sandbox.MAX_WORKING_DAYS} 之间的" f"工作日数，现为“{period}”",
                )
            )
        elif not props.get("period_start"):
            issues.append(LintIssue(task.get("id"), "设置了办理期限（period），还需写明从哪个字段起算（period_start）"))
        else:
            timed.add(task.get("id"))
    for sn in snippets:
        for key in _TASK_DUE.findall(sn.source or ""):
            if key not in timed:
                issues.append(
                    LintIssue(
                        sn.element_id,
                        f"{_where(names, sn)}引用的环节{names.of(key)}（{key}）" "没有设置办理期限（period）",
                    )
                )
    return issues


def _where(names: Names, sn: Snippet) -> str:
    """“记录决定”的脚本, 「审核意见」到「通过」的连线上的条件表达式: where the modeler finds the snippet."""
    el = names.by_id.get(sn.element_id)
    joint = "上的" if el is not None and etree.QName(el).localname == "sequenceFlow" else "的"
    return f"{names.of(sn.element_id)}{joint}{sn.what}"


_EMITS = re.compile(r"""\bemit\(\s*["'](\w+)["']""")
_TEMPLATE = re.compile(r"""\btemplate\s*=\s*["']([^"']*)["']""")


def properties(el) -> dict[str, str]:
    return {
        p.get("name"): p.get("value", "")
        for p in el.findall("bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)
    }


def _compiled(sn: Snippet) -> tuple[set[str], set[str]]:
    """The names a snippet reads and writes once it compiles in the sandbox; SyntaxError or ScriptRejected if not."""
    mode = "eval" if sn.kind == "expression" else "exec"
    reads, writes = sandbox.names_read_and_written(sn.source, mode)
    (sandbox.compile_expression if sn.kind == "expression" else sandbox.compile_script)(sn.source)
    return reads, writes


def _snippets(process, outline: Outline, names: Names) -> list[LintIssue]:
    issues, snippets, written, parsed = [], collect_snippets(process), set(), []
    for form in outline.forms.values():
        written |= set(form.get("properties", {}))
    for sn in snippets:
        if not (sn.source or "").strip():
            issues.append(LintIssue(sn.element_id, f"{_where(names, sn)}为空"))
            continue
        try:
            reads, writes = _compiled(sn)
        except SyntaxError as exc:
            issues.append(LintIssue(sn.element_id, f"{_where(names, sn)}{explain.syntax_error(exc)}"))
            continue
        except sandbox.ScriptRejected as exc:
            issues.append(LintIssue(sn.element_id, f"{_where(names, sn)}不安全：{exc}"))
            continue
        written |= writes
        parsed.append((sn, reads, writes))
        if sn.kind == "script":
            outline.emits |= set(_EMITS.findall(sn.source))
            if found := set(_TEMPLATE.findall(sn.source)):
                outline.templates.setdefault(sn.element_id, set()).update(found)
    for task in _user_tasks(process):
        props = properties(task)
        for name, what in (("unit", "办理单位变量（unit）"), ("period_start", "期限起算字段（period_start）")):
            if props.get(name):
                parsed.append((Snippet(task.get("id"), "expression", props[name], what), {props[name]}, set()))
    issues += _periods(process, snippets, names)
    known = sandbox.known_global_names() | written
    for sn, reads, writes in parsed:
        if unknown := sorted(reads - known - writes):
            issues.append(
                LintIssue(
                    sn.element_id,
                    f"{_where(names, sn)}使用了未知名称 {'、'.join(unknown)}"
                    "（只能使用表单字段、脚本中赋值的变量和内置函数）",
                )
            )
    return issues
