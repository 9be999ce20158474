"""/api/v1 objections: raise one, read one; its steps go through the task API (each task carries objection_id)."""

from __future__ import annotations

from flask import g, jsonify, request, url_for

from webapp.api.blueprint import bp
from webapp.api.applications import _body
from webapp.extensions import db
from webapp.input_guard import MAX_ID
from workflows.errors import NotFound
from workflows.objections import cases
from workflows.objections.inputs import ObjectionInput


def _objection_input() -> dict:
    """Wrong JSON types are refused here; the service checks the content and names each field in Chinese."""
    body = _body()
    ObjectionInput.check_json_types(request.get_data())
    return {name: body.get(name) for name in ObjectionInput.model_fields}


def objection_json(objection) -> dict:
    return {
        "id": objection.id,
        "type": objection.kind.value,
        "type_label": objection.kind.label,
        "status": objection.status.value,
        "status_label": objection.status.label,
        "facts": objection.facts,
        "request": objection.request,
        "raiser_unit": objection.raiser_unit.name,
        "concerned_unit": objection.concerned_unit.name if objection.concerned_unit else None,
        "application_id": objection.application_id,
        "grant_id": objection.grant_id,
        "resource_code": objection.resource.code if objection.resource else None,
        "outcome": objection.outcome.value if objection.outcome else None,
        "outcome_label": objection.outcome.label if objection.outcome else None,
        "opinion": objection.opinion or None,
        "effect": objection.effect or None,
        "answers": [
            {
                "unit": a.unit.name,
                "stance": a.stance.value,
                "position": a.position,
                "evidence": a.evidence,
                "answered_at": a.answered_at.isoformat(),
            }
            for a in objection.answers
        ],
        "rating": objection.rating,
        "created_at": objection.created_at.isoformat(),
        "closed_at": objection.closed_at.isoformat() if objection.closed_at else None,
    }


@bp.post("/objections")
def create_objection():
    objection = cases.raise_objection(db.session, g.api_person, _objection_input())
    response = jsonify({"id": objection.id, "status": objection.status.value, "status_label": objection.status.label})
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_objection", objection_id=objection.id)
    return response


@bp.get("/objections/<int:objection_id>")
def get_objection(objection_id: int):
    if objection_id > MAX_ID:
        raise NotFound("异议不存在")
    return jsonify(objection_json(cases.get_objection(db.session, g.api_person, objection_id)))
