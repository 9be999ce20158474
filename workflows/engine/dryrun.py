"""The dry run: a version executed along each branch of its gateways with sample data before it may deploy.

A condition that fails on one branch only, a timer whose expression cannot be evaluated once its task is
reached, a script that reads a field no earlier step wrote: each shows only when the engine runs that way.
Everything runs in memory inside a savepoint that is rolled back, so nothing of it is ever kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import clock
from workflows.engine import explain, lint, sample, sandbox, serialization
from workflows.models import Unit

MAX_PATHS = 40
MAX_NODES = 300
_SEEN = TaskState.COMPLETED | TaskState.READY | TaskState.STARTED | TaskState.ERROR


@dataclass
class Path:
    """One way through the process: what it passed, how it ended, and the sample choices that led there."""

    elements: list[str]
    flows: list[str]
    outcome: str  # "end", "wait" or "error"
    where: str = ""
    message: str = ""
    choices: list[str] = field(default_factory=list)
    route: str = ""
    forced: bool = False

    @property
    def ok(self) -> bool:
        return self.outcome != "error"

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "outcome": self.outcome,
            "where": self.where,
            "message": self.message,
            "choices": self.choices,
            "route": self.route,
            "forced": self.forced,
            "elements": self.elements,
            "flows": self.flows,
        }


@dataclass
class DryRun:
    paths: list[Path]
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.paths)

    @property
    def summary(self) -> str:
        failed = sum(1 for p in self.paths if not p.ok)
        more = "（路径过多，只试运行了前 {} 条）".format(len(self.paths)) if self.truncated else ""
        if not failed:
            return f"{len(self.paths)} 条路径全部通过{more}"
        return f"{len(self.paths)} 条路径中 {failed} 条未通过{more}"

    def issues(self) -> list[lint.LintIssue]:
        return [
            lint.LintIssue(p.where or "文件", f"试运行未通过（路径 {i}：{p.route}）：{p.message}")
            for i, p in enumerate(self.paths, 1)
            if not p.ok
        ]

    def as_dict(self) -> dict:
        return {"ok": self.ok, "summary": self.summary, "paths": [p.as_dict() for p in self.paths]}


class _DryEngine(PythonScriptEngine):
    """Evaluates every condition for real, then takes the branch a forced run asks for at its gateway."""

    forced: dict[str, str] = {}

    def evaluate(self, task, expression, external_context=None):
        value = super().evaluate(task, expression, external_context)
        target = self.forced.get(task.task_spec.bpmn_id or "")
        pairs = getattr(task.task_spec, "cond_task_specs", None)
        if target is None or not pairs:
            return value
        outputs = [name for cond, name in pairs if cond is not None and cond.args[0] == expression]
        return target in outputs if outputs else value


@dataclass
class _Node:
    state: str
    choices: list[str]
    visits: dict[str, int]
    frozen: frozenset = frozenset()
    timers_fired: bool = False


class _Explorer:
    def __init__(self, session: Session, xml: str, process_id: str, forms: dict):
        self.session, self.forms = session, forms
        self.specs = serialization.parse(xml, process_id)
        self.periods = serialization.periods_of(self.specs[0])
        self.shape = sample.Shape.of(xml)
        self.unit_id = session.scalar(select(Unit.id).order_by(Unit.id).limit(1)) or 1
        self.paths: dict[tuple, Path] = {}
        self.nodes = 0
        self.truncated = False

    def engine(self, forced: dict[str, str]):
        script_engine = sandbox.script_engine(self.session, self.periods, engine_class=_DryEngine)
        script_engine.forced = forced
        return script_engine

    def restore(self, node: _Node, forced) -> BpmnWorkflow:
        workflow = serialization.load_with(self.specs, node.state)
        workflow.script_engine = self.engine(forced)
        return workflow

    def explore(self, forced: dict[str, str]) -> None:
        spec, subprocess_specs = self.specs
        start_form = self.forms.get(self.shape.start_form or "", {})
        label = [f"按条件强制走分支：{self.shape.describe_branch(g, t)}" for g, t in forced.items()]
        for data, choices in sample.variants(start_form, self.shape.varied, self.unit_id):
            choices = label + choices
            workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self.engine(forced))
            workflow.data.update(data)
            for task in workflow.get_tasks(state=TaskState.READY):
                task.data.update(data)
            if self._step(workflow, workflow.do_engine_steps, choices, forced):
                self._walk([_Node(serialization.dump(workflow), choices, {})], forced)

    def _walk(self, stack: list[_Node], forced) -> None:
        while stack:
            if self.nodes >= MAX_NODES or len(self.paths) >= MAX_PATHS:
                self.truncated = True
                return
            self.nodes += 1
            stack.extend(self._expand(stack.pop(), forced))

    def _expand(self, node: _Node, forced) -> list[_Node]:
        workflow = self.restore(node, forced)
        if workflow.is_completed():
            return self._leaf(workflow, node.choices, "end", forced)
        ready = [
            t for t in workflow.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id not in node.frozen
        ]
        for task in ready:
            if (problem := self._due_problem(task)) is not None:
                return self._leaf(workflow, node.choices, "error", forced, task.task_spec.bpmn_id, problem)
        again = [t for t in ready if node.visits.get(t.task_spec.bpmn_id, 0)]
        if again:
            name = again[0].task_spec.bpmn_name or again[0].task_spec.bpmn_id
            return self._leaf(
                workflow, node.choices, "wait", forced, again[0].task_spec.bpmn_id, f"再次等待“{name}”（循环）"
            )
        children = []
        if not node.timers_fired and _timer_instants(workflow):
            children += self._fire_timers(node, workflow, forced)
        if not ready:
            return children or self._leaf(workflow, node.choices, "wait", forced)
        return children + self._complete(node, ready, forced)

    def _complete(self, node: _Node, ready, forced) -> list[_Node]:
        children = []
        per_task = [
            sample.variants(self.forms.get(_form_of(t) or "", {}), self.shape.varied, self.unit_id) for t in ready
        ]
        for combo in sample.combine(per_task):
            workflow = self.restore(node, forced)
            choices = node.choices + [c for _, labels in combo for c in labels]

            def run(workflow=workflow, combo=combo):
                for task, (data, _) in zip(ready, combo):
                    live = workflow.get_task_from_id(task.id)
                    live.data.update(data)
                    live.run()
                    workflow.do_engine_steps()

            if self._step(workflow, run, choices, forced):
                visits = dict(node.visits)
                for task in ready:
                    visits[task.task_spec.bpmn_id] = visits.get(task.task_spec.bpmn_id, 0) + 1
                children.append(_Node(serialization.dump(workflow), choices, visits, node.frozen, node.timers_fired))
        return children

    def _fire_timers(self, node: _Node, workflow: BpmnWorkflow, forced) -> list[_Node]:
        """A branch where every waiting timer fires while the tasks it watches stay open."""
        waiting = frozenset(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True))
        choices = node.choices + ["期限届满，定时器触发"]
        with clock.frozen(max(_timer_instants(workflow)).replace(microsecond=0) + _MINUTE):
            fired = self._step(
                workflow, lambda: (workflow.refresh_timers(), workflow.do_engine_steps()), choices, forced
            )
        if not fired:
            return []
        return [_Node(serialization.dump(workflow), choices, node.visits, node.frozen | waiting, True)]

    def _due_problem(self, task) -> str | None:
        props = (task.task_spec.extensions or {}).get("properties", {})
        expression = f'task_due("{task.task_spec.bpmn_id}")' if props.get("period") else props.get("due")
        if not expression:
            return None
        try:
            clock.parse_instant(task.workflow.script_engine.evaluate(task, expression))
        except Exception as exc:  # any failure of the expression is the modeler's to fix
            return f"{self._subject(task.task_spec.bpmn_id)}的办理期限无法计算：{explain.cause(exc)}"
        return None

    def _step(self, workflow: BpmnWorkflow, step, choices: list[str], forced) -> bool:
        try:
            step()
        except Exception as exc:  # the engine raises many kinds; every one ends this path as failed
            where = self._where(exc)
            self._leaf(workflow, choices, "error", forced, where, f"{self._subject(where)}：{explain.cause(exc)}")
            return False
        return True

    def _subject(self, where: str) -> str:
        """“记录决定”, or 「审核意见」到「补正」的连线上的条件: what failed, as the modeler finds it on the drawing."""
        label = self.shape.labels.get(where, where or "流程")
        return f"{label}上的条件" if where in self.shape.flow_names else label

    def _where(self, exc) -> str:
        task = getattr(exc, "task", None)
        spec = task.task_spec if task is not None else getattr(exc, "task_spec", None)
        where = getattr(spec, "bpmn_id", None) or ""
        for expression, flow in self.shape.conditions.get(where, {}).items():
            if expression.strip() in str(exc):
                return flow
        return where

    def _leaf(self, workflow, choices, outcome, forced, where="", message="") -> list[_Node]:
        elements, flows = self.shape.trail(workflow, _SEEN)
        if where and where not in elements:
            elements.append(where)
        key = (tuple(sorted(flows)), outcome, where)
        if key not in self.paths:
            route = " → ".join(self.shape.names.get(e, e) for e in elements if self.shape.names.get(e))
            if outcome == "end" and not message:
                message = "到达结束事件"
            elif outcome == "wait" and not message:
                waiting = [
                    t.task_spec.bpmn_name or t.task_spec.bpmn_id
                    for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                ]
                message = f"等待“{'”“'.join(waiting)}”办理" if waiting else "等待外部事件"
            self.paths[key] = Path(elements, flows, outcome, where, message, choices, route, bool(forced))
        return []


_MINUTE = timedelta(minutes=1)


def _form_of(task) -> str | None:
    return (task.task_spec.extensions or {}).get("formJsonSchemaFilename")


def _timer_instants(workflow: BpmnWorkflow) -> list:
    found = []
    for event in workflow.waiting_events():
        value = event.value.get("next") if isinstance(event.value, dict) else event.value
        if isinstance(value, str):
            try:
                found.append(TimerEventDefinition.get_datetime(value))
            except ValueError:
                continue
    return found


def run(session: Session, xml: str, process_id: str, forms: dict) -> DryRun:
    """Every path of the version, data-driven first, then forced down any branch the sample data missed."""
    savepoint = session.begin_nested()
    try:
        explorer = _Explorer(session, xml, process_id, forms)
        explorer.explore({})
        for gateway, target in explorer.shape.uncovered(explorer.paths.values()):
            if explorer.truncated:
                break
            explorer.explore({gateway: target})
        return DryRun(list(explorer.paths.values()), explorer.truncated)
    finally:
        savepoint.rollback()
