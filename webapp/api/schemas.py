"""The OpenAPI 3.0.3 schema of an input model: what the service checks is what the document says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

NULL = {"type": "null"}


def openapi_schema(model, description: str = "") -> dict:
    """A model's JSON Schema (a pydantic model's, or a dataclass's that an answer is made of) in OpenAPI 3.0.3's
    dialect: nullable instead of anyOf with null, enum instead of const, nested models inlined (no $defs left to
    dangle) and the Chinese description in place of the docstring."""
    if hasattr(model, "model_json_schema"):
        schema = model.model_json_schema()
    else:  # a dataclass's titles are its English field names: the description says what it holds
        schema = _untitled(TypeAdapter(model).json_schema())
    defs = schema.pop("$defs", {})
    schema.pop("title", None)
    schema.pop("description", None)
    if description:
        schema["description"] = description
    return _adapted(schema, defs)


def _untitled(node: Any) -> Any:
    if isinstance(node, list):
        return [_untitled(value) for value in node]
    if not isinstance(node, dict):
        return node
    return {key: _untitled(value) for key, value in node.items() if key != "title" or not isinstance(value, str)}


def _adapted(node: Any, defs: dict) -> Any:
    if isinstance(node, list):
        return [_adapted(value, defs) for value in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = {k: v for k, v in defs[node["$ref"].rsplit("/", 1)[-1]].items() if k not in ("title", "description")}
        return _adapted(target, defs) | {k: v for k, v in node.items() if k != "$ref"}  # no docstring in the document
    node = dict(node)
    if "const" in node:
        node["enum"] = [node.pop("const")]
    options = node.get("anyOf")
    if options and NULL in options:
        rest = [option for option in options if option != NULL]
        del node["anyOf"]
        node = (rest[0] if len(rest) == 1 else {"anyOf": rest}) | node | {"nullable": True}
        if "$ref" in node:  # an optional nested model (data_protection): inlined like any other
            return _adapted(node, defs)
    if "default" in node and node["default"] is None and not node.get("nullable"):
        del node["default"]  # a schema replaced by WithJsonSchema keeps the field's None, which it does not allow
    return {key: _adapted(value, defs) for key, value in node.items()}


def query_parameters(model) -> list[dict]:
    """The query parameters of a GET, one per field of its query model, each optional."""
    parameters = []
    for name, schema in openapi_schema(model)["properties"].items():
        schema = {key: value for key, value in schema.items() if key != "title" and value is not None}
        if "enum" in schema and schema.get("default") not in schema["enum"]:
            schema.pop("default", None)  # the parsed default (overdue=False) is no value one sends
        description = schema.pop("description", "") or model.model_fields[name].title or name
        parameters.append(
            {"name": name, "in": "query", "required": False, "description": description, "schema": schema}
        )
    return parameters


FORMS_DIR = Path(__file__).resolve().parents[2] / "bpmn" / "forms"
# Keys of our BPMN form schemas that are the web form's (widgets, option lists, conditions), not the JSON's.
FORM_ONLY = ("enumNames", "x-widget", "x-options", "x-check", "x-checked")


def task_form_schema(names: tuple[str, ...], skipped: tuple[str, ...], description: str) -> dict:
    """The body of a task completion as the shipped BPMN forms declare it (the forms validate it when the task is
    completed): their fields in OpenAPI's dialect, each choice's Chinese names in its description."""
    properties = {}
    for name in names:
        form = json.loads((FORMS_DIR / name).read_text(encoding="utf-8"))
        when = form.get("x-required-when", {})
        for field, spec in form["properties"].items():
            if field not in skipped:
                properties[field] = _form_field(spec, when.get(field))
    return {"type": "object", "description": description, "properties": properties}


def _form_field(spec: dict, required_when: dict | None) -> dict:
    field = {key: value for key, value in spec.items() if key not in FORM_ONLY}
    if "enumNames" in spec:
        listed = "、".join(f"{code}={label}" for code, label in zip(spec["enum"], spec["enumNames"]))
        field["description"] = f"{listed}。{spec.get('description', '')}".rstrip("。")
    if required_when:
        condition = "、".join(f"{name} 为 {' 或 '.join(values)}" for name, values in required_when.items())
        field["description"] = f"{condition} 时必填。{field.get('description', '')}".rstrip("。")
    if field.get("type") == "array":  # in our forms an array's maxLength bounds each of its texts
        field["items"] = {"type": "string"} | ({"maxLength": field.pop("maxLength")} if "maxLength" in field else {})
    if field.get("type") == "integer":
        field["minimum"] = 1
    return field
