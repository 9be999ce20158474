"""Jinja filters: instants shown in Asia/Shanghai, enum labels in Chinese."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from notifications import inapp
from webapp.extensions import db
from workflows import clock, inputs, models
from workflows.catalog.rules import LABELS as FIELD_LABELS
from workflows.engine import tasks
from workflows.models import RESPONSIBILITY_DUTIES, ROLE_LABELS_BY_CODE, ResponsibilityKind
from workflows.usage import reports as usage_reports

REVISION_LABELS = {"created": "新建", "updated": "修改", "published": "发布", "retired": "停用", "returned": "退回更正"}


def enum_label(value, enum_name: str) -> str:
    """The Chinese label of an enum code, e.g. {{ r.share_type|enum_label('ShareType') }}."""
    if value in (None, ""):
        return ""
    member = getattr(models, enum_name).parse(str(value))
    return member.label if member else str(value)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["dt"] = clock.fmt
    app.jinja_env.filters["date"] = lambda v: clock.fmt(v, with_time=False)
    app.jinja_env.filters["role_label"] = lambda code: ROLE_LABELS_BY_CODE.get(code, code)
    app.jinja_env.filters["resp_label"] = lambda code: ResponsibilityKind(code).label
    app.jinja_env.filters["resp_duty"] = lambda code: RESPONSIBILITY_DUTIES[ResponsibilityKind(code)]
    app.jinja_env.filters["enum_label"] = enum_label
    app.jinja_env.filters["revision_label"] = lambda code: REVISION_LABELS.get(code, code)
    app.jinja_env.filters["field_label"] = lambda name: FIELD_LABELS.get(name, name)
    app.jinja_env.filters["filesize"] = inputs.file_size  # one way to show a file's size everywhere
    app.jinja_env.globals["now"] = clock.now
    app.context_processor(_header_counts)


def _header_counts() -> dict:
    """Unread messages and open tasks for the navbar badges."""
    if not current_user.is_authenticated:
        return {}
    return {
        "unread_count": inapp.unread_count(db.session, current_user.person.id),
        "open_task_count": tasks.count_open_for(db.session, current_user.person),
        "sees_usage": lambda: bool(usage_reports.visible_units(db.session, current_user.person)),  # asked if shown
    }
