"""Turn a task's JSON Schema into the fields a template renders (the domain validates on submit)."""
from __future__ import annotations

from workflows.engine import forms


def form_fields(session, schema: dict | None, task=None) -> list[dict]:
    if not schema:
        return []
    return [{"name": f.name, "title": f.title, "widget": f.widget, "required": f.required,
             "description": f.spec.get("description", ""), "options": forms.options(session, f, task),
             "type": f.spec.get("type", "string"), "min_length": f.spec.get("minLength")}
            for f in forms.fields(schema)]
