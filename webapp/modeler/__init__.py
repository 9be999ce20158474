"""流程管理: versions and their running cases; the browser modeler that lints and deploys."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

from webapp.extensions import db
from webapp.security import current_person, role_required
from workflows.engine import versions
from workflows.errors import DomainError

bp = Blueprint("modeler", __name__)


def _forms_dir() -> Path:
    return Path(current_app.config["BPMN_DIR"]) / "forms"


@bp.get("/")
@login_required
def index():
    return render_template("modeler/index.html", overview=versions.overview(db.session),
                           can_model=current_person().has_role("modeler"))


@bp.get("/<process_key>/edit")
@role_required("modeler")
def edit(process_key: str):
    return render_template("modeler/edit.html", version=versions.latest_xml(db.session, process_key))


@bp.get("/new")
@role_required("modeler")
def new():
    return render_template("modeler/edit.html", version=None)


@bp.post("/check")
@role_required("modeler")
def check():
    issues = versions.check_file(request.get_data(), _forms_dir())
    return jsonify({"ok": not issues, "issues": [{"element_id": i.element_id, "message": i.message} for i in issues]})


@bp.post("/deploy")
@role_required("modeler")
def deploy():
    """JSON from the modeler page; a file upload from the list page."""
    upload = request.files.get("file")
    xml = upload.read() if upload else request.get_data()
    try:
        with db.attempt():
            result = versions.deploy_file(db.session, current_person(), xml, _forms_dir())
    except DomainError as err:
        if upload:
            for line in [err.message, *err.details]:
                flash(line, "danger")
            return redirect(url_for("modeler.index"))
        return jsonify({"code": err.code, "message": err.message, "details": err.details}), err.status
    version = result.version
    message = (f"已部署 {version.name} 第 {version.version} 版：新案件使用新版本，进行中的案件仍按原版本办理"
               if result.created else f"内容未变化，仍为第 {version.version} 版")
    if upload:
        flash(message, "success")
        return redirect(url_for("modeler.index"))
    return jsonify({"ok": True, "version": version.version, "created": result.created, "message": message})
