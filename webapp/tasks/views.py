"""待办 / 已办 and the task page: context, diagram with the current step, deadline, form."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from webapp import uploads as web_uploads
from webapp.extensions import db
from webapp.params import given, id_param
from webapp.refusals import Refusal, done_or_back, refusal
from webapp.security import current_person
from webapp.tasks.blueprint import bp
from workflows import case_names
from workflows.engine import pages, tasks, versions
from workflows.errors import ValidationFailed
from workflows.sharing import opinions as review_opinions
from workflows.sharing import pages as sharing_pages


SUBJECT_PAGES = {
    "demand": "demands.detail",
    "catalog_change": "catalog.change_detail",
    "application": "applications.detail",
    "objection": "objections.detail",
    "entry_change": "catalog.entry_change_detail",
    "effect_rating": "supervision.rating",  # opens on the grant's page, under its ratings
}


def subject_url(instance) -> str | None:
    endpoint = SUBJECT_PAGES.get(instance.subject_type or "")
    if endpoint is None or not instance.subject_id:
        return None
    try:
        return url_for(endpoint, **{"item_id": int(instance.subject_id)})
    except Exception:  # the subject's blueprint may not be installed
        return None


@bp.get("/")
def inbox():
    person = current_person()
    args = request.args
    unit, overdue = args.get("unit", ""), given(args, "overdue")
    if overdue not in (None, "1"):  # the form's checkbox sends 1 or nothing
        raise ValidationFailed(
            [f"只看已逾期：“{overdue[:20]}”不是可选的值，请在待办页面勾选或取消勾选“只看已逾期”后重新筛选"],
            "请求参数有误，请按提示修改",
        )
    found = tasks.open_tasks(
        db.session,
        person,
        args.get("process", ""),
        overdue == "1",
        id_param(unit, "办理单位"),
        args.get("resource", "").strip(),
    )
    done = tasks.history(db.session, person, 50)
    return render_template(
        "tasks/list.html",
        open_tasks=found,
        done=done,
        names=case_names.for_tasks(db.session, found + done),
        nudges=tasks.nudges(db.session, found),
        processes=tasks.process_names(db.session),
        args=args,
        subject_url=subject_url,
        units={m.unit_id: m.unit.name for m in person.memberships},
        resources=tasks.subject_resources(db.session, found),
        deadlines={t.id: tasks.deadline(db.session, t) for t in found},
    )


def _task_action(task_id: int, action, message: str):
    return done_or_back(url_for("tasks.show", task_id=task_id), action, message)


@bp.post("/<int:task_id>/claim")
def claim(task_id: int):
    return _task_action(
        task_id, lambda: tasks.claim(db.session, current_person(), task_id), "已认领，其他同事将看到由您办理"
    )


@bp.post("/<int:task_id>/unclaim")
def unclaim(task_id: int):
    return _task_action(
        task_id, lambda: tasks.unclaim(db.session, current_person(), task_id), "已放弃认领，任务回到本单位待办"
    )


@bp.post("/<int:task_id>/delegate")
def delegate(task_id: int):
    username = request.form.get("username", "")
    return _task_action(
        task_id, lambda: tasks.delegate(db.session, current_person(), task_id, username), "已转交，对方将收到待办提醒"
    )


@bp.route("/<int:task_id>", methods=["GET", "POST"])
def show(task_id: int):
    person = current_person()
    if request.method == "POST":
        arrays, files = _array_fields(person, task_id)
        values = {
            k: (v if len(v) > 1 or k in arrays else v[0])
            for k, v in request.form.to_dict(flat=False).items()
            if k not in ("csrf_token", "pending")
        }
        values |= {name: [] for name in arrays if name not in values}  # nothing checked is a choice too
        tokens, refused_files = web_uploads.keep_chosen(person, files[0]) if files else ([], [])
        values |= {name: tokens for name in files}

        def form_again(r: Refusal):  # the task page answers 422 whatever the refusal, and says a 403 itself
            r, kept = web_uploads.keeping(r, refused_files, person, tokens)
            return render_task(person, task_id, r.problems, values, r.fields, kept=kept)

        with refusal(form_again, passed_on=()) as refused:
            task = tasks.complete(db.session, person, task_id, values)
            if refused_files:
                raise ValidationFailed(refused_files, "附件有误，未提交：请按提示换一个文件")
        if refused:
            return refused.page
        flash(f"“{task.name}”已办理", "success")
        return redirect(subject_url(task.instance) or url_for("tasks.inbox"))
    return render_task(person, task_id, [], {}, {})


def render_task(
    person, task_id: int, errors: list, values: dict, fields: dict, status: int = 422, kept: list | None = None
):
    """The task page; with errors (of its form, or of a decision made on it) it answers `status`; `kept`: files
    chosen on a refused submit, offered again."""
    page = pages.task_page(db.session, person, task_id)
    return render_template(
        "tasks/show.html",
        page=page,
        task=page.task,
        errors=errors,
        values=values,
        fields=fields,
        kept=kept or [],
        subject_url=subject_url(page.task.instance),
        warning=sharing_pages.task_warning(db.session, page.task),
    ), (status if errors else 200)


def _array_fields(person, task_id: int) -> tuple[set[str], list[str]]:
    """The form's fields that hold lists, and among them those whose files the page uploads (x-widget files)."""
    schema = tasks.form_schema(tasks.get_task(db.session, person, task_id)) or {}
    arrays = {name: spec for name, spec in schema.get("properties", {}).items() if spec.get("type") == "array"}
    return set(arrays), [name for name, spec in arrays.items() if spec.get("x-widget") == "files"]


DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, no-store",
}


@bp.get("/diagram/<int:version_id>.bpmn")
def diagram(version_id: int):
    """The XML as a plain-text download: even a hostile file is never parsed as markup in our origin."""
    version = versions.diagram(db.session, current_person(), version_id)
    response = current_app.response_class(version.bpmn_xml, mimetype="text/plain", headers=DOWNLOAD_HEADERS)
    response.headers.set("Content-Disposition", "attachment", filename=f"process-{version.id}.bpmn")
    return response


# --- 常用意见 ----------------------------------------------------------------------------------------


@bp.get("/opinions")
def opinions():
    return _opinions_page()


def _opinions_page(
    errors: list[str] | None = None, fields: dict | None = None, values: dict | None = None, status: int = 200
):
    book = review_opinions.book(db.session, current_person())
    return render_template(
        "tasks/opinions.html", book=book, errors=errors or [], fields=fields or {}, values=values or {}
    ), status


@bp.post("/opinions")
def add_opinion():
    text, scope = request.form.get("text", ""), request.form.get("unit_id", "")
    with refusal(
        lambda r: _opinions_page(r.problems, r.fields, {"text": text, "unit_id": scope}, r.status),
        catch=ValidationFailed,
    ) as refused:
        review_opinions.add(db.session, current_person(), text, id_param(scope, "适用范围") if scope else None)
    if refused:
        return refused.page
    flash("已保存。办理审核任务时，点击“理由”上方的常用意见即可插入", "success")
    return redirect(url_for("tasks.opinions"))


@bp.post("/opinions/<int:template_id>/delete")
def delete_opinion(template_id: int):
    with db.attempt():
        review_opinions.delete(db.session, current_person(), template_id)
    flash("已删除该常用意见", "success")
    return redirect(url_for("tasks.opinions"))
