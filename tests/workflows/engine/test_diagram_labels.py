"""The product diagrams' labels do not cover each other (read from the BPMN DI as bpmn-js places them)."""

from __future__ import annotations

import itertools
import math
import xml.etree.ElementTree as ET

import pytest

from tests.helpers import PRODUCT_BPMN_DIR

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
OUTSIDE = (
    "startEvent",
    "endEvent",
    "boundaryEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
)
CHAR, LINE, WIDTH = 12, 14, 90  # bpmn-js external labels: 11px text wrapped at 90px, placed under the shape


def _bounds(node) -> tuple[float, float, float, float]:
    b = node.find("dc:Bounds", NS)
    return float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height"))


def labels(path) -> dict[str, tuple[float, float, float, float]]:
    """Each named event's, gateway's and labelled flow's label box: its DI label bounds, else bpmn-js's default."""
    root = ET.parse(path).getroot()
    kinds = {el.get("id"): (el.tag.split("}")[1], el.get("name")) for el in root.iter() if el.get("id")}
    found = {}
    for shape in root.iter(f"{{{NS['bpmndi']}}}BPMNShape"):
        kind, name = kinds.get(shape.get("bpmnElement"), ("", None))
        label = shape.find("bpmndi:BPMNLabel", NS)
        if name and label is not None:
            found[shape.get("bpmnElement")] = _bounds(label)
        elif name and kind in OUTSIDE:
            x, y, w, h = _bounds(shape)
            lines = math.ceil(len(name) * CHAR / WIDTH)
            width = min(len(name) * CHAR, WIDTH)
            found[shape.get("bpmnElement")] = (x + w / 2 - width / 2, y + h + 5, width, lines * LINE)
    for edge in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge"):
        label = edge.find("bpmndi:BPMNLabel", NS)
        if label is not None and kinds.get(edge.get("bpmnElement"), ("", None))[1]:
            found[edge.get("bpmnElement")] = _bounds(label)
    return found


def _overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.mark.parametrize("name", sorted(p.name for p in PRODUCT_BPMN_DIR.glob("*.bpmn")))
def test_no_two_labels_of_a_product_diagram_overlap(name):
    boxes = labels(PRODUCT_BPMN_DIR / name)
    clashes = [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes.items(), 2) if _overlap(box_a, box_b)]
    assert clashes == []
