"""/api/v1 objections: raise one, read one; its steps go through the task API (each task carries objection_id)."""
from __future__ import annotations

from flask import g, jsonify, url_for

from webapp.api.blueprint import bp
from webapp.api.applications import _body
from webapp.extensions import db
from webapp.input_guard import MAX_ID
from workflows.errors import NotFound, ValidationFailed
from workflows.objections import cases

TYPE_PROBLEM = "请求内容的数据类型有误，未提交，请按提示修改"
TEXTS = {"type": "类型", "facts": "事实和理由", "request": "请求事项", "resource_code": "目录条目代码"}
IDS = {"application_id": "所涉申请", "grant_id": "所涉授权"}


def _objection_input(body: dict) -> dict:
    """Wrong JSON types are refused here; the service checks the content and names each field in Chinese."""
    problems = [f"{label}（{name}）：应为字符串" for name, label in TEXTS.items()
                if body.get(name) is not None and not isinstance(body[name], str)]
    problems += [f"{label}（{name}）：应为正整数编号" for name, label in IDS.items()
                 if body.get(name) is not None and (isinstance(body[name], bool) or not isinstance(body[name], int)
                                                    or not 1 <= body[name] <= MAX_ID)]
    attachments = body.get("attachments")
    if attachments is not None and not (isinstance(attachments, list) and all(
            isinstance(a, dict) and all(isinstance(v, str) for v in a.values()) for a in attachments)):
        problems.append("附件（attachments）：应为 [{\"name\": 文件名, \"note\": 说明}] 数组")
    if problems:
        raise ValidationFailed(problems, TYPE_PROBLEM)
    return {k: body.get(k) for k in (*TEXTS, *IDS, "attachments")}


def objection_json(objection) -> dict:
    return {
        "id": objection.id, "type": objection.kind.value, "type_label": objection.kind.label,
        "status": objection.status.value, "status_label": objection.status.label,
        "facts": objection.facts, "request": objection.request,
        "raiser_unit": objection.raiser_unit.name,
        "concerned_unit": objection.concerned_unit.name if objection.concerned_unit else None,
        "application_id": objection.application_id, "grant_id": objection.grant_id,
        "resource_code": objection.resource.code if objection.resource else None,
        "outcome": objection.outcome.value if objection.outcome else None,
        "outcome_label": objection.outcome.label if objection.outcome else None,
        "opinion": objection.opinion or None, "effect": objection.effect or None,
        "answers": [{"unit": a.unit.name, "stance": a.stance.value, "position": a.position, "evidence": a.evidence,
                     "answered_at": a.answered_at.isoformat()} for a in objection.answers],
        "rating": objection.rating,
        "created_at": objection.created_at.isoformat(),
        "closed_at": objection.closed_at.isoformat() if objection.closed_at else None,
    }


@bp.post("/objections")
def create_objection():
    objection = cases.raise_objection(db.session, g.api_person, _objection_input(_body()))
    response = jsonify({"id": objection.id, "status": objection.status.value,
                        "status_label": objection.status.label})
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_objection", objection_id=objection.id)
    return response


@bp.get("/objections/<int:objection_id>")
def get_objection(objection_id: int):
    if objection_id > MAX_ID:
        raise NotFound("异议不存在")
    return jsonify(objection_json(cases.get_objection(db.session, g.api_person, objection_id)))
