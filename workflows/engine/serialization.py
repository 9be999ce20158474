"""State-only save and restore of a case, and the spec of each process version parsed once per process.

A stored case holds its workflow state without the spec (about half the size); the spec comes from the
version's XML, parsed on first use and cached by content hash.
"""

from __future__ import annotations

import contextvars
import threading
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from workflows.engine import lint
from workflows.models import ProcessVersion

_restoring_spec = contextvars.ContextVar("restoring_spec")


class _StateOnlyConverter(BpmnWorkflowConverter):
    """Stores the workflow's state without its spec; the spec comes from the version cache."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = _restoring_spec.get()
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_serializer = BpmnWorkflowSerializer(
    BpmnWorkflowSerializer.configure(SPIFF_CONFIG | {BpmnWorkflow: _StateOnlyConverter})
)
_spec_cache: dict[str, tuple] = {}
_spec_lock = threading.Lock()


def parse(xml: str, process_id: str):
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(lint.parse_xml(xml), filename=f"{process_id}.bpmn")
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def spec_for(version: ProcessVersion):
    """Parse each process version once per process."""
    cached = _spec_cache.get(version.content_hash)
    if cached is None:
        with _spec_lock:
            cached = _spec_cache.get(version.content_hash)
            if cached is None:
                cached = parse(version.bpmn_xml, version.process_key)
                _spec_cache[version.content_hash] = cached
    return cached


def dump(workflow: BpmnWorkflow) -> str:
    return _serializer.serialize_json(workflow)


def load(version: ProcessVersion, state: str) -> BpmnWorkflow:
    """A case from its stored state and its version's cached spec (the script engine is attached by the caller)."""
    return load_with(spec_for(version), state)


def load_with(specs: tuple, state: str) -> BpmnWorkflow:
    """A workflow from state-only JSON and the (spec, subprocess specs) it runs on."""
    token = _restoring_spec.set(specs)
    try:
        return _serializer.deserialize_json(state)
    finally:
        _restoring_spec.reset(token)


def registry():
    """The serializer's registry, which SpiffWorkflow's spec and workflow diffs compare task specs with."""
    return _serializer.registry


_periods: dict[str, dict[str, tuple[int, str]]] = {}


def periods_for(version: ProcessVersion) -> dict[str, tuple[int, str]]:
    """Each user task's period: working days after the instant in its period_start field (read once per version)."""
    found = _periods.get(version.content_hash)
    if found is None:
        found = _periods[version.content_hash] = periods_of(spec_for(version)[0])
    return found


def periods_of(spec) -> dict[str, tuple[int, str]]:
    found = {}
    for task_spec in spec.task_specs.values():
        props = (getattr(task_spec, "extensions", None) or {}).get("properties", {})
        if props.get("period"):
            found[task_spec.bpmn_id] = (int(props["period"]), props.get("period_start", ""))
    return found


_roles: dict[str, dict[str, str]] = {}


def roles_for(version: ProcessVersion) -> dict[str, str]:
    """Each user task's role code, from its lane's xiayi:role (or, in older versions, the lane's name)."""
    found = _roles.get(version.content_hash)
    if found is None:
        found = {}
        for lane in lint.parse_xml(version.bpmn_xml).iter(f"{{{lint.BPMN}}}lane"):
            role = lint.lane_role(lane)
            found |= {(ref.text or "").strip(): role.value for ref in lane.findall("bpmn:flowNodeRef", lint.NS) if role}
        _roles[version.content_hash] = found
    return found
