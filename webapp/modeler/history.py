"""Versions of a process: each one read-only in the viewer, its XML, the difference of two, moving running cases."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from webapp.extensions import db
from webapp.modeler.blueprint import bp
from webapp.modeler.views import checked_key
from webapp.params import id_param
from webapp.refusals import refusal
from webapp.security import current_person, role_required
from workflows import case_names
from workflows.engine import moving, versions, workspace
from workflows.errors import NotFound, ValidationFailed

DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}


def _rows(key: str) -> list[versions.VersionRow]:
    rows = versions.process_rows(db.session, key)
    if not rows:
        raise NotFound(f"流程“{key}”不存在")
    return rows


@bp.get("/<process_key>/v<int:number>")
@role_required("modeler")
def version(process_key: str, number: int):
    key = checked_key(process_key)
    rows = _rows(key)
    row = next((r for r in rows if r.version.version == number), None)
    if row is None:
        raise NotFound(f"流程“{key}”没有第 {number} 版")
    return render_template("modeler/version.html", row=row, rows=rows, key=key)


@bp.get("/<process_key>/v<int:number>.bpmn")
@role_required("modeler")
def download(process_key: str, number: int):
    """The version's XML as a plain-text attachment: even a hostile file is never parsed as markup here."""
    found = versions.version_by_number(db.session, checked_key(process_key), number)
    response = current_app.response_class(found.bpmn_xml, mimetype="text/plain", headers=DOWNLOAD_HEADERS)
    response.headers.set("Content-Disposition", "attachment", filename=f"{found.process_key}-v{found.version}.bpmn")
    return response


def _pair(rows: list[versions.VersionRow], older_arg: str, newer_arg: str) -> tuple[int, int]:
    """Two version numbers from the query, by default the one before the current and the current."""
    numbers = [r.version.version for r in rows]
    newer = id_param(request.args.get(newer_arg), "版本") or numbers[0]
    older = id_param(request.args.get(older_arg), "版本") or next((n for n in numbers if n < newer), newer)
    return older, newer


@bp.get("/<process_key>/compare")
@role_required("modeler")
def compare(process_key: str):
    key = checked_key(process_key)
    rows = _rows(key)
    older, newer = _pair(rows, "from", "to")
    first, second, diff = workspace.compare(db.session, key, older, newer)
    return render_template("modeler/compare.html", key=key, rows=rows, first=first, second=second, diff=diff)


@bp.get("/<process_key>/move")
@role_required("modeler")
def move_preview(process_key: str):
    """Running cases of one version, each with whether it can move to the other and what would change."""
    key = checked_key(process_key)
    rows = _rows(key)
    default_from = next((r.version.version for r in rows[1:] if r.running), rows[-1].version.version)
    source_number = id_param(request.args.get("from"), "原版本") or default_from
    target_number = id_param(request.args.get("to"), "目标版本") or rows[0].version.version
    source = versions.version_by_number(db.session, key, source_number)
    target = versions.version_by_number(db.session, key, target_number)
    moves = moving.candidates(db.session, source, target) if source.id != target.id else []
    return render_template(
        "modeler/move.html",
        key=key,
        rows=rows,
        source=source,
        target=target,
        moves=moves,
        labels=case_names.for_instances(db.session, [m.instance for m in moves]),
        limit=moving.MAX_LISTED,
    )


@bp.post("/<process_key>/move")
@role_required("modeler")
def move(process_key: str):
    """Move the chosen cases (one, or every movable one), each on its own: a refusal leaves that case as it was."""
    key = checked_key(process_key)
    source = versions.version_by_number(db.session, key, id_param(request.form.get("from"), "原版本") or 0)
    target = versions.version_by_number(db.session, key, id_param(request.form.get("to"), "目标版本") or 0)
    chosen = id_param(request.form.get("instance_id"), "案件")
    if chosen is None and request.form.get("all") != "1":
        raise ValidationFailed(["请选择要迁移的案件，或点击“迁移全部可迁移的案件”"])
    ids = [chosen] if chosen else [m.instance.id for m in moving.candidates(db.session, source, target) if m.movable]
    moved = []
    for instance_id in ids:  # one case at a time: a refused one is named and the others still move
        with refusal(lambda r: flash(r.headline, "danger"), passed_on=()) as refused:
            moving.move(db.session, current_person(), instance_id, target.id)
        if not refused:
            moved.append(instance_id)
    if moved:
        flash(
            f"已把 {len(moved)} 个案件（{'、'.join(moving.names_of(db.session, moved))}）迁移到第 {target.version} 版，"
            "办理期限已按新版本重新计算",
            "success",
        )
    elif not ids:
        flash("没有可迁移的案件", "warning")
    return redirect(url_for("modeler.move_preview", process_key=key, **{"from": source.version, "to": target.version}))
