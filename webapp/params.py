"""Query strings and forms: numbers are ASCII digits within 32 bits, so '²' or 20 digits never reach the database;
a choice given empty is a choice like any other, and refused when it is none."""

from __future__ import annotations

from typing import get_origin

from workflows import inputs
from workflows.errors import ValidationFailed


def parse_id(value) -> int | None:
    """A positive id, or None for anything else ('', '²', '١٢', '-1', '99999999999999999999')."""
    return inputs.parse_int(value, low=1)


def id_param(value: str | None, label: str) -> int | None:
    """An optional id chosen in a form or link: None when blank, a 422 naming the field when it is no id."""
    text = (value or "").strip()
    if not text:
        return None
    number = parse_id(text)
    if number is None:
        raise ValidationFailed([f"{label}：应为列表中的一项（正整数编号），请重新选择"], "请求参数有误，请按提示修改")
    return number


def page_param(value: str | None) -> int:
    """A page number; anything that is no page number is the first page."""
    return parse_id(value) or 1


def given(args, name: str) -> str | None:
    """A query parameter as typed: None when the address does not carry it, its stripped text when it does.

    An empty value (scope=) is given, and so refused like any value that is not one of the choices,
    instead of quietly meaning "not given"."""
    value = args.get(name)
    return None if value is None else value.strip()


def form_values(form, model) -> dict:
    """What a form sent for each field of an input model, as typed: every value of a list field, the one value
    (trimmed) of any other; the model reads them as it reads JSON."""
    return {
        name: form.getlist(name) if get_origin(field.annotation) is list else form.get(name, "").strip()
        for name, field in model.model_fields.items()
    }
