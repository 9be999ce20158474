"""The catalog's search pages, logged in and public: a query that is refused shows what was wrong and no results,
never the whole catalog, with the filters still there to correct it."""

from __future__ import annotations

from collections.abc import Callable

from flask import request

from webapp.extensions import db
from workflows.errors import ValidationFailed

FACET_LABELS = {
    "share_type": "共享类型",
    "open_type": "开放类型",
    "category": "资源分类",
    "format": "资源格式",
    "update_cycle": "更新周期",
    "sensitivity": "数据分级",
}


def searched(parse: Callable, search: Callable, refused: Callable[[], tuple]) -> tuple:
    """(query, page, problems, status) of this request's search; `refused()` gives the empty query and page."""
    try:
        query = parse(request.args)
        return query, search(db.session, query), [], 200
    except ValidationFailed as err:
        query, page = refused()
        return query, page, err.details, 422
