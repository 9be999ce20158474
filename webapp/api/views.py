"""JSON API v1: Bearer tokens only, errors as {"code", "message"}."""

from __future__ import annotations

from flask import g, jsonify, request

from webapp.api import usage
from webapp.api.blueprint import bp
from webapp.errors import respond
from webapp.extensions import db
from webapp.params import parse_id
from workflows import inputs
from workflows.engine import tasks as task_services
from workflows.organisation import accounts


@bp.before_request
def _authenticate():
    if request.endpoint == "api.openapi":  # the description of the API is public; everything else needs a token
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    person = accounts.person_for_token(db.session, raw.strip()) if scheme.lower() == "bearer" and raw else None
    if person is None:
        return respond(401, "unauthorized", "缺少或无效的 API 令牌：请在请求头中携带 Authorization: Bearer <令牌>")
    if person.is_platform and request.endpoint not in usage.PLATFORM_ENDPOINTS:
        return respond(403, "forbidden", usage.PLATFORM_ONLY)
    g.api_person = person
    return None


def task_json(task) -> dict:
    instance = task.instance
    subject_key = f"{instance.subject_type}_id" if instance.subject_type else "subject_id"
    return {
        "id": task.id,
        "name": task.name,
        "process": instance.process_version.process_key,
        "process_version": instance.process_version.version,
        "instance_id": instance.id,
        "role": task.role,
        "unit": task.unit.name if task.unit else None,
        "status": task.status,
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "due_provisional": task.due_provisional,
        "overdue": task.is_overdue(),
        "created_at": task.created_at.isoformat(),
        subject_key: _subject_id(instance.subject_id),
    }


def _subject_id(value):
    return parse_id(value) or value


@bp.get("/tasks")
def tasks():
    query = inputs.parse_query(task_services.TaskQuery, request.args, blank_means_all=False)
    found = task_services.open_tasks(db.session, g.api_person, query.process, query.overdue)
    return jsonify({"items": [task_json(t) for t in found]})
