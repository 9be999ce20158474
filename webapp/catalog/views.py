"""Catalog pages: search, entry detail with history, and editing by the unit's catalog keeper."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from webapp.catalog.blueprint import bp
from webapp.catalog.searching import FACET_LABELS, interfaces_page, searched
from webapp.extensions import db
from webapp.params import id_param
from webapp.refusals import done_or_back, refusal
from webapp.security import current_person
from workflows.catalog import changes as catalog_changes
from workflows.catalog import entries, proposals
from workflows.catalog import search as catalog_search
from workflows.catalog.entries import DuplicateSuspected, InvalidEntry
from workflows.catalog.rules import ENUM_FIELDS, FORM_FIELDS, LABELS
from workflows.engine import tasks
from workflows.errors import DomainError
from workflows.models import ChangeKind, DataType, Role, Unit
from workflows.objections import cases as objection_cases
from workflows.sharing import affected


@bp.get("/")
def search():
    query, page, errors, status = searched(
        catalog_search.parse_resource_query,
        catalog_search.search_resources,
        lambda: (catalog_search.ResourceQuery(), catalog_search.refused_page()),
    )
    return render_template(
        "catalog/search.html", page=page, query=query, errors=errors, args=request.args, facet_names=FACET_LABELS
    ), status


@bp.get("/interfaces")
def interfaces():
    return interfaces_page(catalog_search.search_interfaces, catalog_search.scenarios)


@bp.get("/resources/<code>")
def detail(code: str):
    person = current_person()
    resource = entries.get_resource(db.session, person, code)
    changes = proposals.for_resource(db.session, person, resource.id)
    return render_template(
        "catalog/detail.html",
        r=resource,
        history=entries.history(db.session, person, resource.id),
        changes=changes,
        pending=next((c for c in changes if c.status == "pending"), None),
        can_edit=entries.can_edit(person, resource.provider_unit_id),
        own_unit=_own_unit_only(person, resource.provider_unit_id),
        is_coordinator=person.has_role(Role.COORDINATOR),
        objection_flags=objection_cases.flags(db.session, resource_id=resource.id),
        objections=[
            o for o in objection_cases.linked(db.session, resource_id=resource.id) if objection_cases.can_see(person, o)
        ],
    )


def _own_unit_only(person, unit_id: int) -> bool:
    """The entry is the person's own unit's and they apply for no other unit: nothing to apply for."""
    applying = {m.unit_id for m in person.memberships if m.role == Role.APPLICANT} or {person.unit_id}
    return applying == {unit_id}


def _editable_units(person) -> list[Unit]:
    ids = {m.unit_id for m in person.memberships if m.role == Role.UNIT_ADMIN}
    return [m.unit for m in person.memberships if m.unit_id in ids and m.role == Role.UNIT_ADMIN]


def _form_input():
    form = request.form
    raw = {name: form.get(name, "") for name in FORM_FIELDS}
    names, types = form.getlist("item_name"), form.getlist("item_type")
    lengths, sensitive = form.getlist("item_length"), form.getlist("item_sensitive")
    items = [
        {"name": n, "data_type": t, "length": ln, "sensitive": s}
        for n, t, ln, s in zip(names, types, lengths, sensitive)
        if n.strip() or ln.strip()
    ]
    return raw, items, form.get("duplicate_reason", "")


def _render_form(resource, raw, items, units, error: DomainError | None = None, status: int = 200):
    problems = getattr(error, "problems", [])
    return render_template(
        "catalog/form.html",
        r=resource,
        raw=raw,
        items=items,
        units=units,
        field_errors={p.field: str(p) for p in problems if p.item is None},
        error=error,
        duplicates=getattr(error, "hints", []),
        enums=ENUM_FIELDS,
        labels=LABELS,
        data_types=list(DataType),
    ), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    person = current_person()
    units = _editable_units(person)
    if not units:
        return render_template(
            "error.html", status=403, details=[], message="只有单位目录管理员可以新建目录条目，请联系本单位目录管理员"
        ), 403
    if request.method == "GET":
        return _render_form(None, {"unit_id": str(units[0].id)}, [{}] * 3, units)
    raw, items, reason = _form_input()
    unit_id = request.form.get("unit_id", "") or str(units[0].id)
    with refusal(
        lambda r: _render_form(None, raw | {"unit_id": unit_id}, items or [{}], units, r.error, r.status),
        catch=(InvalidEntry, DuplicateSuspected),
    ) as refused:
        resource = entries.create_resource(db.session, person, id_param(unit_id, "所属单位") or 0, raw, items, reason)
    if refused:
        return refused.page
    flash(f"已保存草稿 {resource.code}。检查无误后请点击“发布”", "success")
    return redirect(url_for("catalog.detail", code=resource.code))


@bp.route("/resources/<code>/edit", methods=["GET", "POST"])
def edit(code: str):
    person = current_person()
    resource = entries.get_resource(db.session, person, code)
    if not entries.can_edit(person, resource.provider_unit_id):
        return render_template(
            "error.html", status=403, details=[], message="只有本单位的目录管理员可以修改此条目"
        ), 403
    if request.method == "GET":
        raw = entries.snapshot(resource)
        raw["related_codes"] = ";".join(raw["related_codes"] or [])
        return _render_form(resource, raw, raw.pop("items") + [{}], [])
    raw, items, reason = _form_input()
    raw["change_reason"] = request.form.get("change_reason", "")
    with refusal(
        lambda r: _render_form(resource, raw, items or [{}], [], r.error, r.status),
        catch=(InvalidEntry, DuplicateSuspected),
    ) as refused:
        entries.update_resource(db.session, person, resource.id, raw, items, reason, raw["change_reason"])
    if refused:
        return refused.page
    if pending := proposals.open_change(db.session, resource.id):
        flash(f"其他修改已保存；{pending.summary()}须经县大数据局确认后生效，确认前条目保持原状", "warning")
    else:
        flash("已保存修改，变更已记入历史版本", "success")
    return redirect(url_for("catalog.detail", code=resource.code))


def _act(code: str, action, message: str):
    person = current_person()
    resource = entries.get_resource(db.session, person, code)
    return done_or_back(url_for("catalog.detail", code=code), lambda: action(person, resource.id), message)


@bp.post("/resources/<code>/publish")
def publish(code: str):
    return _act(code, lambda p, rid: entries.publish(db.session, p, rid), "已发布，全县各单位均可检索到此条目")


@bp.post("/resources/<code>/retire")
def retire(code: str):
    reason = request.form.get("reason", "")
    published = entries.get_resource(db.session, current_person(), code).status == "published"
    return _act(
        code,
        lambda p, rid: entries.retire(db.session, p, rid, reason),
        "已提交县大数据局确认：确认后停用，受影响的授权将列给本单位逐项处理" if published else "已停用此条目",
    )


@bp.get("/entry-changes/<int:item_id>")
def entry_change_detail(item_id: int):
    """不予共享, retirement or removed items: the bureau's confirmation and what became of each grant."""
    person = current_person()
    change = proposals.get_change(db.session, person, item_id)
    return render_template(
        "catalog/entry_change.html",
        change=change,
        rows=affected.rows(db.session, change.id),
        timeline=tasks.timeline(db.session, person, "entry_change", change.id),
    )


@bp.post("/resources/<code>/return")
def return_for_correction(code: str):
    reason = request.form.get("reason", "")
    return _act(
        code,
        lambda p, rid: entries.return_for_correction(db.session, p, rid, reason),
        "已退回更正，目录管理员将在条目页看到更正要求",
    )


@bp.get("/mine")
def mine():
    person = current_person()
    units = _editable_units(person) or [person.unit]
    return render_template(
        "catalog/mine.html", units=units, entries=entries.unit_entries(db.session, person, [u.id for u in units])
    )


@bp.route("/changes", methods=["GET", "POST"])
def changes():
    """二(三) change events: register one (opens the unit's 更新目录 task) and follow them."""
    person = current_person()
    if request.method == "GET":
        return _changes_page(person)
    values = request.form.to_dict()
    unit_id = values.get("unit_id", "")
    # the problems alone when there are any, else the headline; every refusal, 403 too, shows on this page
    with refusal(lambda r: _changes_page(person, list(r.details) or r.problems, values), passed_on=()) as refused:
        change = catalog_changes.register_change(
            db.session,
            person,
            id_param(unit_id, "责任单位") or 0,
            values.get("kind", ""),
            values.get("description", ""),
            values.get("effective_on", ""),
        )
    if refused:
        return refused.page
    if change.registered_late:
        flash(
            f"已登记。更新期限 {change.due_on} 自生效之日起算，登记时已过，此事项已逾期并报县大数据局督办；"
            f"请{change.unit.name}尽快更新目录",
            "warning",
        )
    else:
        flash(f"已登记，{change.unit.name}须在 {change.due_on} 前更新目录", "success")
    return redirect(url_for("catalog.change_detail", item_id=change.id))


def _changes_page(person, errors: list[str] | None = None, values: dict | None = None):
    units = catalog_changes.registrable_units(db.session, person)
    return render_template(
        "changes/list.html",
        changes=catalog_changes.list_changes(db.session, person),
        units=units,
        kinds=list(ChangeKind),
        errors=errors or [],
        values=values or {},
        is_late=catalog_changes.is_late,
        period=catalog_changes.update_period(db.session),
    ), (422 if errors else 200)


@bp.get("/changes/<int:item_id>")
def change_detail(item_id: int):
    change = catalog_changes.get_change(db.session, current_person(), item_id)
    return render_template(
        "changes/detail.html",
        change=change,
        late=catalog_changes.is_late(change),
        period=catalog_changes.update_period(db.session, change),
        timeline=tasks.timeline(db.session, current_person(), "catalog_change", change.id),
    )
