"""The shape of a process: every element reachable from a start and able to reach an end, gateways that can choose.

A version whose review task leads nowhere would deploy, run, and strand every case at that step; these
checks refuse it at deploy time, each problem named on its element in Chinese.
"""

from __future__ import annotations

from collections import defaultdict

from lxml import etree

from workflows.engine.naming import Names

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NODES = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "userTask",
    "scriptTask",
    "serviceTask",
    "manualTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "complexGateway",
}
_CHOOSING = {"exclusiveGateway", "inclusiveGateway"}


def _kind(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def issues(container, issue, names: Names) -> list:
    """Problems of one process or subprocess (and, recursively, of the subprocesses inside it)."""
    nodes = {el.get("id"): el for el in container if _kind(el) in _NODES and el.get("id")}
    flows = [el for el in container if _kind(el) == "sequenceFlow"]
    found = _boundaries(nodes, issue, names) + _duplicates(flows, issue, names)
    found += _gateways(nodes, flows, issue, names) + _reachability(nodes, flows, issue, names)
    for sub in (el for el in nodes.values() if _kind(el) == "subProcess"):
        found += issues(sub, issue, names)
    return found


def _boundaries(nodes: dict, issue, names: Names) -> list:
    found = []
    for el in nodes.values():
        if _kind(el) == "boundaryEvent":
            host = nodes.get(el.get("attachedToRef") or "")
            if host is None or _kind(host) in ("startEvent", "endEvent") or "Gateway" in _kind(host):
                label = f"“{el.get('name').strip()}”" if (el.get("name") or "").strip() else ""
                found.append(issue(el.get("id"), f"边界事件{label}没有附着在任务上，请把它放到任务的边框上"))
    return found


def _gateway(el, names: Names) -> str:
    return f"网关{names.label(el)}" if (el.get("name") or "").strip() else names.label(el)


def condition_of(flow) -> str:
    return (flow.findtext(f"{{{BPMN}}}conditionExpression") or "").strip()


def _duplicates(flows: list, issue, names: Names) -> list:
    """bpmnlint's no-duplicate-sequence-flows: the same source, target and condition twice (a conditional flow and
    the default flow to one target are two different flows)."""
    seen, found = set(), []
    for flow in flows:
        key = (flow.get("sourceRef"), flow.get("targetRef"), condition_of(flow))
        if key in seen:
            same = f"，条件也相同（{key[2]}）" if key[2] else "，都没有条件"
            found.append(
                issue(
                    flow.get("id"), f"{names.label(flow)}重复：已有一条起点和终点相同的连线{same}，" "请删除多余的一条"
                )
            )
        seen.add(key)
    return found


def _gateways(nodes: dict, flows: list, issue, names: Names) -> list:
    outgoing = defaultdict(list)
    for flow in flows:
        outgoing[flow.get("sourceRef")].append(flow)
    found = []
    for el in nodes.values():
        leaving = outgoing[el.get("id")]
        if _kind(el) not in _CHOOSING or len(leaving) < 2:
            continue
        default = el.get("default")
        if default and default not in {f.get("id") for f in leaving}:
            found.append(
                issue(
                    el.get("id"), f"{_gateway(el, names)}的默认流{names.of(default)}不是它的出口，" "请重新选择默认流"
                )
            )
        bare = [names.label(f) for f in leaving if f.get("id") != default and not condition_of(f)]
        if bare:
            found.append(
                issue(
                    el.get("id"),
                    f"{_gateway(el, names)}有 {len(leaving)} 条出口，除默认流外每条都需要条件，"
                    f"缺少条件的是：{'、'.join(bare)}",
                )
            )
    return found


def _reachability(nodes: dict, flows: list, issue, names: Names) -> list:
    succ, pred = defaultdict(set), defaultdict(set)
    for flow in flows:
        succ[flow.get("sourceRef")].add(flow.get("targetRef"))
        pred[flow.get("targetRef")].add(flow.get("sourceRef"))
    for el in nodes.values():  # a boundary event is reached with its task and leaves through its own flows
        if _kind(el) == "boundaryEvent" and el.get("attachedToRef") in nodes:
            succ[el.get("attachedToRef")].add(el.get("id"))
    starts = [i for i, el in nodes.items() if _kind(el) == "startEvent"]
    ends = [i for i, el in nodes.items() if _kind(el) == "endEvent"]
    if not starts or not ends:
        return [issue(next(iter(nodes), "文件"), "流程需要至少一个开始事件和一个结束事件")] if nodes else []
    reached, ending = _walk(starts, succ), _walk(ends, pred)  # a task must go on by its own flow, not only a timer's
    found = [
        issue(i, f"{names.label(el)}无法从开始事件到达：请用顺序流把它接入流程，或删除它")
        for i, el in nodes.items()
        if i not in reached
    ]
    found += [
        issue(i, f"{names.label(el)}之后无法到达任何结束事件：请补上通往结束事件的顺序流")
        for i, el in nodes.items()
        if i in reached and i not in ending
    ]
    return found


def _walk(seeds: list, edges) -> set:
    seen, stack = set(seeds), list(seeds)
    while stack:
        for nxt in edges.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen
