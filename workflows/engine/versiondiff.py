"""The difference between two versions of a process, as a modeler reads it: elements added, removed, changed.

Read from the XML and the form schemas (not the layout), in Chinese, e.g. "审核申请：期限 5 → 3 个工作日",
so the deploy confirmation and the versions page say what a new version changes before anyone relies on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.engine import lint, naming
from workflows.engine.naming import Names
from workflows.models import ROLE_LABELS_BY_CODE

COMPARED = (
    "userTask",
    "scriptTask",
    "task",
    "manualTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "startEvent",
    "endEvent",
    "boundaryEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "sequenceFlow",
    "lane",
)
KINDS = {kind: naming.KINDS[kind] for kind in COMPARED}  # what a diff compares, by its Chinese kind
_PROPERTY_LABELS = {"unit": "办理单位字段", "period_start": "期限起算字段", "due": "期限表达式"}
_SPIFF = "spiffworkflow:"


@dataclass
class Element:
    kind: str
    name: str
    facts: dict[str, str] = field(default_factory=dict)
    lane: tuple[str, str] | None = None  # (id, name) of its lane: a move counts, renaming the lane does not
    flow: str = ""  # a sequence flow as naming.Names calls it: 连线「通过」, 「审核申请」到「不通过」的连线

    @property
    def label(self) -> str:
        if self.flow:
            return self.flow
        return f"{KINDS.get(self.kind, self.kind)}“{self.name}”" if self.name else KINDS.get(self.kind, self.kind)


@dataclass
class Change:
    element_id: str
    kind: str  # "added", "removed" or "changed"
    label: str
    details: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"element_id": self.element_id, "kind": self.kind, "label": self.label, "details": self.details}


@dataclass
class VersionDiff:
    changes: list[Change]

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def lines(self) -> list[str]:
        """One line per change, for the confirmation, the audit trail and the command line."""
        out = [f"新增{c.label}" for c in self.of_kind("added")]
        out += [f"删除{c.label}" for c in self.of_kind("removed")]
        out += [d for c in self.of_kind("changed") for d in c.details]
        return out

    def as_dict(self) -> dict:
        return {
            "changes": [c.as_dict() for c in self.changes],
            "lines": self.lines(),
            "added": [c.element_id for c in self.of_kind("added")],
            "removed": [c.element_id for c in self.of_kind("removed")],
            "changed": [c.element_id for c in self.of_kind("changed")],
        }


def diff(old_xml: str | None, old_forms: dict, new_xml: str, new_forms: dict) -> VersionDiff:
    """What the new version changes against the old one (everything is new when there is none)."""
    before = elements(old_xml) if old_xml else {}
    after = elements(new_xml)
    changes = [Change(i, "added", e.label) for i, e in after.items() if i not in before]
    changes += [Change(i, "removed", e.label) for i, e in before.items() if i not in after]
    for element_id, new in after.items():
        old = before.get(element_id)
        if old is None:
            continue
        details = _details(old, new) + _form_details(new, old_forms, new_forms)
        if details:
            changes.append(Change(element_id, "changed", new.label, details))
    return VersionDiff(changes)


def elements(xml: str) -> dict[str, Element]:
    """Every flow node, flow and lane of the executable process with the facts the engine reads from it."""
    root = lint.parse_xml(xml)
    process, names = root.find("bpmn:process[@isExecutable='true']", lint.NS), Names(root)
    if process is None:
        return {}
    found, lane_of = {}, {}  # node id -> (lane id, lane name)
    for lane in process.iter(f"{{{lint.BPMN}}}lane"):
        role = lint.lane_role(lane)
        found[lane.get("id")] = Element(
            "lane",
            (lane.get("name") or "").strip(),
            {"办理角色": ROLE_LABELS_BY_CODE.get(role.value, role.value) if role else "未设置"},
        )
        for ref in lane.findall("bpmn:flowNodeRef", lint.NS):
            lane_of[(ref.text or "").strip()] = (lane.get("id"), (lane.get("name") or "").strip())
    for el in process.iter():
        kind = el.tag.split("}")[-1] if isinstance(el.tag, str) else ""
        if kind not in KINDS or kind == "lane" or not el.get("id"):
            continue
        found[el.get("id")] = Element(
            kind,
            (el.get("name") or "").strip(),
            _facts(el, kind, names),
            lane_of.get(el.get("id")),
            names.label(el) if kind == "sequenceFlow" else "",
        )
    return found


def _facts(el, kind: str, names: Names) -> dict[str, str]:
    facts = {}
    if kind == "sequenceFlow":
        facts["连接"] = f"{names.step(el.get('sourceRef'))} → {names.step(el.get('targetRef'))}"
        facts["条件"] = (el.findtext("bpmn:conditionExpression", namespaces=lint.NS) or "").strip()
    if el.get("default"):
        facts["默认流"] = names.of(el.get("default"))
    if kind == "scriptTask":
        facts["脚本"] = (el.findtext("bpmn:script", namespaces=lint.NS) or "").strip()
    if kind == "boundaryEvent":
        facts["附着于"] = names.step(el.get("attachedToRef"))
        facts["中断任务"] = "否" if el.get("cancelActivity") == "false" else "是"
    for tag in ("timeDate", "timeDuration", "timeCycle"):
        text = el.findtext(f"bpmn:timerEventDefinition/bpmn:{tag}", namespaces=lint.NS)
        if text is not None:
            facts["定时器"] = text.strip()
    extensions = el.find("bpmn:extensionElements", lint.NS)
    if extensions is not None:
        facts["表单"] = (extensions.findtext(f"{_SPIFF}formJsonSchemaFilename", namespaces=lint.NS) or "").strip()
        for tag, label in (("preScript", "前置脚本"), ("postScript", "后置脚本")):
            facts[label] = (extensions.findtext(f"{_SPIFF}{tag}", namespaces=lint.NS) or "").strip()
        for name, value in lint.properties(el).items():
            facts["期限" if name == "period" else _PROPERTY_LABELS.get(name, f"属性 {name}")] = value
    return {k: v for k, v in facts.items() if v}


def _details(old: Element, new: Element) -> list[str]:
    who = new.flow or new.name or old.name or KINDS.get(new.kind, new.kind)
    out = []
    if old.kind != new.kind:
        out.append(f"{who}：类型 {KINDS.get(old.kind, old.kind)} → {KINDS.get(new.kind, new.kind)}")
    if old.name != new.name:
        out.append(f"{old.label}改名为“{new.name or '（无名称）'}”")
    if old.lane and new.lane and old.lane[0] != new.lane[0]:
        out.append(f"{who}：从泳道“{old.lane[1]}”移到“{new.lane[1]}”")
    for key in dict.fromkeys([*old.facts, *new.facts]):
        before, after = old.facts.get(key), new.facts.get(key)
        if before == after:
            continue
        if key == "期限":
            out.append(f"{who}：期限 {before or '未设置'} → {after or '未设置'} 个工作日")
        else:
            out.append(f"{who}：{key} {_short(before)} → {_short(after)}")
    return out


def _form_details(new: Element, old_forms: dict, new_forms: dict) -> list[str]:
    """A form the element keeps using but whose schema changed: which fields came, went or changed."""
    name = new.facts.get("表单")
    before, after = (old_forms or {}).get(name), (new_forms or {}).get(name)
    if not name or before is None or after is None or before == after:
        return []
    old_fields, new_fields = before.get("properties", {}), after.get("properties", {})
    parts = [f"新增字段 {f}" for f in new_fields if f not in old_fields]
    parts += [f"删除字段 {f}" for f in old_fields if f not in new_fields]
    parts += [f"修改字段 {f}" for f in new_fields if f in old_fields and new_fields[f] != old_fields[f]]
    if before.get("required") != after.get("required"):
        parts.append("必填项有变化")
    return [f"{new.name or name}：表单 {name}：{'，'.join(parts) or '说明文字有变化'}"]


def _short(text: str | None) -> str:
    if not text:
        return "（无）"
    text = " ".join(text.split())
    return f"“{text[:60]}…”" if len(text) > 60 else f"“{text}”"
