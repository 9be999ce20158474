"""The catalog's search pages, logged in and public: a query that is refused shows what was wrong and no results,
never the whole catalog, with the filters still there to correct it."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request

from webapp.extensions import db
from workflows.catalog import search as catalog_search
from workflows.catalog.queries import FACETS, FIELD_LABELS
from workflows.errors import ValidationFailed

FACET_LABELS = {name: FIELD_LABELS[name] for name in FACETS}  # the facets, named as the search form names them


def searched(parse: Callable, search: Callable, refused: Callable[[], tuple]) -> tuple:
    """(query, page, problems, status) of this request's search; `refused()` gives the empty query and page."""
    try:
        query = parse(request.args)
        return query, search(db.session, query), [], 200
    except ValidationFailed as err:
        query, page = refused()
        return query, page, err.details, 422


def interfaces_page(search: Callable, scenarios: Callable, **shown):
    """数据接口, logged in or public: `search` and `scenarios` say which interfaces; `shown` what the page links to."""
    query, page, errors, status = searched(
        catalog_search.parse_interface_query,
        search,
        lambda: (catalog_search.InterfaceQuery(), catalog_search.refused_page(("object_class",))),
    )
    return render_template(
        "catalog/interfaces.html",
        page=page,
        query=query,
        errors=errors,
        args=request.args,
        scenarios=scenarios(db.session),
        sort_choices=catalog_search.SORT_CHOICES,
        **shown,
    ), status
