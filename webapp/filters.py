"""Jinja filters: instants shown in Asia/Shanghai, enum labels in Chinese."""
from __future__ import annotations

from flask import Flask

from workflows import clock
from workflows.models import ROLE_LABELS_BY_CODE, ResponsibilityKind


def init_app(app: Flask) -> None:
    app.jinja_env.filters["dt"] = clock.fmt
    app.jinja_env.filters["date"] = lambda v: clock.fmt(v, with_time=False)
    app.jinja_env.filters["role_label"] = lambda code: ROLE_LABELS_BY_CODE.get(code, code)
    app.jinja_env.filters["resp_label"] = lambda code: ResponsibilityKind(code).label
    app.jinja_env.globals["now"] = clock.now
