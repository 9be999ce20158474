"""Sample data built from the forms' schemas, and the shape of a diagram the dry run walks along.

Only the choices a condition or script reads are varied (each value of an enum, yes and no), so every
branch the data can decide is taken, without trying each combination of unrelated fields.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

from workflows import clock
from workflows.engine import forms, lint, sandbox
from workflows.engine.naming import Names

MAX_VARIANTS = 12
_BPMN = f"{{{lint.BPMN}}}"
_CHOOSING = ("exclusiveGateway", "inclusiveGateway")


def variants(schema: dict, varied: set[str], unit_id: int) -> list[tuple[dict, list[str]]]:
    """(data, labels of the choices made) for one form: every value of each field that decides a branch."""
    base, choices = {}, []
    for f in forms.fields(schema or {}):
        base[f.name] = _value(f, unit_id)
        options = _options(f)
        if options and f.name in varied:
            choices.append((f, options))
    if not choices:
        return [(base, [])]
    combos = list(itertools.islice(itertools.product(*[opts for _, opts in choices]), MAX_VARIANTS + 1))
    if len(combos) > MAX_VARIANTS:  # too many together: vary one field at a time, the others at their first value
        combos = [
            tuple(opts[0] for _, opts in choices[:i]) + (option,) + tuple(o[0] for _, o in choices[i + 1 :])
            for i, (_, opts) in enumerate(choices)
            for option in opts
        ]
    found = []
    for combo in combos:
        data = dict(base)
        labels = []
        for (f, _), (value, label) in zip(choices, combo):
            data[f.name] = value
            labels.append(f"{f.title}={label}")
        found.append((data, labels))
    return found


def combine(per_task: list[list]) -> list[tuple]:
    """One choice for each task ready at once: all combinations when few, else side by side."""
    combos = list(itertools.islice(itertools.product(*per_task), MAX_VARIANTS + 1))
    if len(combos) <= MAX_VARIANTS:
        return combos
    longest = max(len(options) for options in per_task)
    return [tuple(options[min(i, len(options) - 1)] for options in per_task) for i in range(longest)]


def _options(f: forms.Field) -> list[tuple[object, str]]:
    if "enum" in f.spec:
        names = f.spec.get("enumNames") or f.spec["enum"]
        return [(value, str(name)) for value, name in zip(f.spec["enum"], names)]
    if f.spec.get("type") == "boolean":
        return [(True, "是"), (False, "否")]
    return []


def _value(f: forms.Field, unit_id: int):
    spec, kind = f.spec, f.spec.get("type", "string")
    if "enum" in spec:
        return spec["enum"][0]
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "integer":
        if spec.get("x-options") == "units":
            return unit_id
        return min(max(spec.get("minimum", 1), 1), spec.get("maximum", 2**31 - 1))
    if spec.get("format") == "date" or f.name.endswith("_on") or f.name.endswith("_date"):
        return (clock.today() + timedelta(days=30)).isoformat()
    if f.name.endswith("_at"):
        return clock.now().isoformat()
    text = "试运行示例数据"
    text = text * (spec.get("minLength", 0) // len(text) + 1)
    return text[: spec.get("maxLength", forms.DEFAULT_MAX_LENGTH)]


@dataclass
class Shape:
    """What the dry run needs of the diagram: flows by their ends, gateway conditions, names, the start form."""

    flows: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # a conditional and a default flow may
    # join the same two elements: a run through them is drawn along both
    outputs: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # gateway -> [(flow, target)]
    conditions: dict[str, dict[str, str]] = field(default_factory=dict)  # gateway -> {expression: flow}
    names: dict[str, str] = field(default_factory=dict)
    flow_names: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # element id -> how a message names it (naming.Names)
    start_form: str | None = None
    varied: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, xml: str) -> Shape:
        root = lint.parse_xml(xml)
        process, names = root.find("bpmn:process[@isExecutable='true']", lint.NS), Names(root)
        shape = cls(labels={i: names.label(el) for i, el in names.by_id.items()})
        kinds = {el.get("id"): el.tag for el in process.iter() if isinstance(el.tag, str) and el.get("id")}
        for el in process.iter():
            if isinstance(el.tag, str) and el.get("id") and el.get("name") and el.tag != _BPMN + "sequenceFlow":
                shape.names[el.get("id")] = el.get("name").strip()
        for flow in process.iter(_BPMN + "sequenceFlow"):
            source, target = flow.get("sourceRef"), flow.get("targetRef")
            shape.flows.setdefault((source, target), []).append(flow.get("id"))
            shape.flow_names[flow.get("id")] = (flow.get("name") or "").strip()
            if kinds.get(source, "").removeprefix(_BPMN) in _CHOOSING:
                shape.outputs.setdefault(source, []).append((flow.get("id"), target))
                condition = (flow.findtext(_BPMN + "conditionExpression") or "").strip()
                if condition:
                    shape.conditions.setdefault(source, {})[condition] = flow.get("id")
        start = process.find("bpmn:startEvent", lint.NS)
        if start is not None:
            shape.start_form = (
                start.findtext("bpmn:extensionElements/spiffworkflow:formJsonSchemaFilename", namespaces=lint.NS) or ""
            ).strip() or None
        shape.outputs = {g: outs for g, outs in shape.outputs.items() if len(outs) > 1}
        shape.varied = _names_read(process)
        return shape

    def trail(self, workflow, mask) -> tuple[list[str], list[str]]:
        """The elements a run passed or waits at, in order, and the flows between them."""
        elements, flows = [], []
        for task in workflow.get_tasks(state=mask):
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if not bpmn_id:
                continue
            if bpmn_id not in elements:
                elements.append(bpmn_id)
            parent = task.parent
            while parent is not None and not getattr(parent.task_spec, "bpmn_id", None):
                parent = parent.parent
            between = self.flows.get((parent.task_spec.bpmn_id, bpmn_id), []) if parent is not None else []
            flows += [flow for flow in between if flow not in flows]
        return elements, flows

    def describe_branch(self, gateway: str, target: str) -> str:
        flow = next((f for f, t in self.outputs.get(gateway, []) if t == target), target)
        return f"{self.names.get(gateway, gateway)} → {self.flow_names.get(flow) or self.names.get(target, target)}"

    def uncovered(self, paths) -> list[tuple[str, str]]:
        """(gateway, target) of each branch no path took, at gateways some path reached."""
        taken = {flow for path in paths for flow in [*path.flows, path.where]}
        reached = {element for path in paths for element in path.elements}
        return [
            (gateway, target)
            for gateway, outs in self.outputs.items()
            if gateway in reached
            for flow, target in outs
            if flow not in taken
        ]


def _names_read(process) -> set[str]:
    """Every name a condition or script reads: the fields whose values decide the way a case goes."""
    found = set()
    for snippet in lint.collect_snippets(process):
        try:
            reads, _ = sandbox.names_read_and_written(
                snippet.source or "", "eval" if snippet.kind == "expression" else "exec"
            )
        except (SyntaxError, sandbox.ScriptRejected):
            continue
        found |= reads
    return found
