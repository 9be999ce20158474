"""The catalog's search pages, logged in and public: a query that is refused shows what was wrong and no results,
never the whole catalog, with the filters still there to correct it."""

from __future__ import annotations

from collections.abc import Callable

from flask import request

from webapp.extensions import db
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
