"""流程管理: versions and their running cases; the browser modeler that checks, saves drafts and deploys."""

from __future__ import annotations

import re
from pathlib import Path

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import login_required

import notifications
from webapp.extensions import db
from webapp.refusals import Refusal, back_to, refusal
from webapp.modeler.blueprint import bp
from webapp.security import current_person, role_required
from workflows import bootstrap, clock
from workflows.engine import form_meta, forms as form_schemas
from workflows.engine import lint, sandbox, versions, workspace
from workflows.errors import NotFound, ValidationFailed
from workflows.models import ROLE_LABELS_BY_CODE
from workflows.supervision import reminders

PROCESS_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")
EVENTS = {"reminder": "催办：通知办理人和分管领导", "escalation": "督办：通知县大数据局和分管领导"}


def forms_dir() -> Path:
    return Path(current_app.config["BPMN_DIR"]) / "forms"


def checked_key(value: str) -> str:
    """A process key from the address; anything else is a page that does not exist."""
    if not PROCESS_KEY.match(value or ""):
        abort(404)
    return value


@bp.get("/")
@login_required
def index():
    can_model = current_person().has_role("modeler")
    return render_template(
        "modeler/index.html",
        overview=versions.overview(db.session),
        can_model=can_model,
        drafts=workspace.drafts(db.session) if can_model else [],
    )


@bp.get("/<process_key>/edit")
@role_required("modeler")
def edit(process_key: str):
    key = checked_key(process_key)
    version, draft = versions.latest_version(db.session, key), workspace.draft_for(db.session, key)
    if version is None and draft is None:
        raise NotFound(f"流程“{key}”不存在，也没有它的草稿")
    return render_template("modeler/edit.html", version=version, draft=draft, key=key)


@bp.get("/new")
@role_required("modeler")
def new():
    return render_template("modeler/edit.html", version=None, draft=None, key="")


@bp.get("/workspace.json")
@role_required("modeler")
def workspace_data():
    """What the modeler page works with: the diagram (draft or latest version), the forms, and the vocabularies."""
    key = request.args.get("key") or ""
    if key:
        checked_key(key)
    draft = workspace.draft_for(db.session, key) if key else None
    latest = versions.latest_version(db.session, key) if key else None
    library = workspace.library(db.session, key or None, forms_dir())
    body = {
        "process_key": key,
        "source": "draft" if draft else ("version" if latest else "new"),
        "xml": draft.bpmn_xml if draft else (latest.bpmn_xml if latest else None),
        "forms": library | (draft.forms if draft else {}),
        "base_version": draft.base_version if draft else (latest.version if latest else None),
        "latest_version": latest.version if latest else None,
        "draft": {
            "saved_by": draft.saved_by.display_name if draft.saved_by else "",
            "saved_at": clock.fmt(draft.saved_at),
        }
        if draft
        else None,
    }
    return jsonify(body | vocabularies())


def vocabularies() -> dict:
    """Roles, helpers, events, notification templates and form options the properties panel offers."""
    events = dict(EVENTS) | {
        event: effect for contract in bootstrap.CONTRACTS for event, effect in contract.emits.items()
    }
    templates = []
    for name, title in reminders.TASK_TEMPLATES.items():
        subject, text, _ = notifications.render(name, reminders.SAMPLE_CONTEXT)
        templates.append({"name": name, "title": title, "subject": subject, "body": text})
    return {
        "roles": [{"code": r.value, "label": ROLE_LABELS_BY_CODE[r.value]} for r in lint.LANE_ROLES],
        "helpers": [{"name": n, "signature": sig, "doc": doc} for n, (sig, doc) in sandbox.HELPER_DOCS.items()],
        "builtins": sorted(n for n in sandbox.SAFE_BUILTINS if n[0].islower()),
        "events": [{"name": n, "doc": d} for n, d in events.items()],
        "templates": templates,
        "option_sources": form_schemas.option_sources(),
        "widgets": form_meta.WIDGETS,
        "types": form_meta.TYPES,
        "field_titles": form_meta.RECORDED_TIMES,
        "max_working_days": sandbox.MAX_WORKING_DAYS,
    }


def _submission() -> tuple[bytes | str, dict, dict]:
    """(xml, forms to check with, the request's JSON) from a JSON body {xml, forms, …} or a bare XML body."""
    body = request.get_json(silent=True) if request.is_json else None
    if body is None and request.is_json:
        problem = form_meta.json_problem(request.get_data().decode("utf-8", "replace"))
        raise ValidationFailed([f"请求内容：{problem or 'JSON 格式错误'}"], "提交的内容不是有效的 JSON，未检查")
    if body is None:
        return request.get_data(), workspace.library(db.session, None, forms_dir()), {}
    if not isinstance(body, dict) or not isinstance(body.get("xml"), str):
        raise ValidationFailed(['请求应为 JSON：{"xml": 流程文件, "forms": 表单, "note": 变更说明}'])
    key = _key_of(body["xml"])
    return body["xml"], workspace.merged_forms(workspace.library(db.session, key, forms_dir()), body.get("forms")), body


def _key_of(xml: str) -> str | None:
    match = re.search(r'<(?:\w+:)?process\b[^>]*\bid="([^"]{1,100})"', xml)
    return match.group(1) if match else None


def _refusal(refused: Refusal):
    """The modeler page's script shows the refusal: the problems, and a deploy's issues by element."""
    err = refused.error
    body = {"ok": False, "code": err.code, "message": err.message, "details": err.details}
    if isinstance(err, versions.DeployRejected):
        body["issues"] = [{"element_id": i.element_id, "message": i.message} for i in err.issues]
        body["dry_run"] = err.dry_run.as_dict() if err.dry_run else None
    return jsonify(body), refused.status


@bp.post("/check")
@role_required("modeler")
def check():
    with refusal(_refusal, passed_on=(), savepoint=False) as refused:
        xml, forms, _ = _submission()
        result = workspace.preview(db.session, xml, forms)
    if refused:
        return refused.page
    return jsonify(result.as_dict())


@bp.post("/preview")
@role_required("modeler")
def preview():
    """The deploy confirmation: checks, the difference from the running version, cases per version."""
    return check()


@bp.post("/open")
@role_required("modeler")
def open_file():
    """A file chosen in the browser modeler, without other tools' extensions; the page lists them before showing it."""
    upload = request.files.get("file")
    with refusal(_refusal, passed_on=(), savepoint=False) as refused:
        body = workspace.open_file(db.session, upload.read() if upload else request.get_data(), forms_dir())
    if refused:
        return refused.page
    return jsonify({"ok": True} | body)


@bp.post("/drafts")
@role_required("modeler")
def save_draft():
    with refusal(_refusal, passed_on=(), savepoint=False) as refused:
        xml, _, body = _submission()
        with db.attempt():
            draft = workspace.save_draft(
                db.session, current_person(), xml, body.get("forms") or {}, _version_number(body.get("base_version"))
            )
    if refused:
        return refused.page
    running = versions.latest_version(db.session, draft.process_key)
    after = f"，新案件仍使用第 {running.version} 版" if running else ""
    return jsonify(
        {
            "ok": True,
            "message": f"草稿已保存（{clock.fmt(draft.saved_at)}），尚未部署{after}",
            "process_key": draft.process_key,
        }
    )


@bp.post("/<process_key>/draft/discard")
@role_required("modeler")
def discard_draft(process_key: str):
    key = checked_key(process_key)
    workspace.discard_draft(db.session, current_person(), key)
    flash("已放弃草稿，建模器显示当前部署的版本", "success")
    return redirect(url_for("modeler.edit", process_key=key))


def _version_number(value) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
        return value
    raise ValidationFailed(["base_version：应为版本号（正整数）"])


@bp.post("/deploy")
@role_required("modeler")
def deploy():
    """JSON from the modeler page (after its confirmation); a file upload with its change note from the list page."""
    upload = request.files.get("file")
    # a file from the list page goes back to it with the problems; the modeler page's script reads JSON
    with refusal(back_to(url_for("modeler.index")) if upload else _refusal, passed_on=(), savepoint=False) as refused:
        if upload:
            xml, forms, body = upload.read(), workspace.library(db.session, None, forms_dir()), request.form
        else:
            xml, forms, body = _submission()
        with db.attempt():
            result = workspace.deploy(
                db.session,
                current_person(),
                xml,
                forms,
                body.get("note"),
                None if upload else _version_number(body.get("base_version")),
            )
    if refused:
        return refused.page
    version = result.version
    message = (
        f"已部署 {version.name} 第 {version.version} 版：新案件使用新版本，进行中的案件仍按原版本办理，"
        "可在“迁移案件”中把它们移到新版本"
        if result.created or result.repeated
        else f"内容未变化，仍为第 {version.version} 版"
    )
    if upload:
        flash(message, "success")
        return redirect(url_for("modeler.index"))
    return jsonify(
        {
            "ok": True,
            "version": version.version,
            "created": result.created or result.repeated,
            "message": message,
            "process_key": version.process_key,
        }
    )
