"""GET /api/v1/catalog/resources and /interfaces: codes for enums, Chinese labels beside them."""

from __future__ import annotations

from flask import jsonify, request

from webapp.api.blueprint import bp
from webapp.extensions import db
from webapp.filters import enum_label
from webapp.security import current_person
from workflows.catalog import entries
from workflows.catalog import search as catalog_search


def _label(value, enum_name: str):
    return enum_label(value, enum_name) if value else None


def resource_json(r, full: bool = False) -> dict:
    data = {
        "code": r.code,
        "name": r.name,
        "provider_unit": r.provider_unit.name,
        "provider_unit_code": r.provider_unit.code,
        "provider_credit_code": r.provider_unit.credit_code,
        "summary": r.summary,
        "status": r.status,
        "share_type": r.share_type,
        "share_type_label": _label(r.share_type, "ShareType"),
        "open_type": r.open_type,
        "open_type_label": _label(r.open_type, "OpenType"),
        "share_method": r.share_method,
        "share_method_label": _label(r.share_method, "ShareMethod"),
        "format": r.format,
        "format_label": _label(r.format, "ResourceFormat"),
        "category": r.category_class,
        "category_label": _label(r.category_class, "CategoryClass"),
        "category_path": r.category_path,
        "update_cycle": r.update_cycle,
        "update_cycle_label": _label(r.update_cycle, "UpdateCycle"),
        "sensitivity": r.sensitivity,
        "sensitivity_label": _label(r.sensitivity, "Sensitivity"),
        "published_on": r.published_on.isoformat() if r.published_on else None,
    }
    if full:
        data |= {
            "share_condition": r.share_condition,
            "related_codes": r.related_codes,
            "revision": r.revision,
            "info_items": [
                {
                    "name": i.name,
                    "data_type": i.data_type,
                    "data_type_label": _label(i.data_type, "DataType"),
                    "length": i.length,
                    "sensitive": i.sensitive,
                }
                for i in r.items
            ],
        }
    return data


def _page_json(page, items) -> dict:
    return {
        "items": items,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "facets": page.facets,
    }


@bp.get("/catalog/resources")
def catalog_resources():
    query = catalog_search.parse_resource_query(request.args, blank_means_all=False)  # share_type= is refused
    page = catalog_search.search_resources(db.session, query)
    return jsonify(_page_json(page, [resource_json(r) for r in page.items]))


@bp.get("/catalog/resources/<code>")
def catalog_resource(code: str):
    return jsonify(resource_json(entries.get_resource(db.session, current_person(), code), full=True))


@bp.get("/catalog/interfaces")
def catalog_interfaces():
    query = catalog_search.parse_interface_query(request.args, blank_means_all=False)
    page = catalog_search.search_interfaces(db.session, query)
    items = [
        {
            "code": i.code,
            "name": i.name,
            "resource_code": i.resource.code,
            "resource_name": i.resource.name,
            "provider_unit": i.resource.provider_unit.name,
            "object_class": i.object_class,
            "object_class_label": _label(i.object_class, "ObjectClass"),
            "business_scenarios": i.business_scenarios,
            "method": i.method,
            "monthly_calls": i.monthly_calls,
        }
        for i in page.items
    ]
    return jsonify(_page_json(page, items))
