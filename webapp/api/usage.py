"""/api/v1 for the city data platform: the grant feed (GET /grants with its token) and usage reports."""

from __future__ import annotations

from flask import g, jsonify, request

from webapp.api.blueprint import bp
from webapp.extensions import db
from workflows import inputs
from workflows.usage import feed, ingest

# What a platform token may call; every other route answers it 403 (webapp/api/views.py).
PLATFORM_ENDPOINTS = frozenset({"api.grant_list", "api.usage_ingest"})
PLATFORM_ONLY = (
    "数据平台运营方的 API 令牌只能读取授权清单（GET /api/v1/grants）和报送数据使用情况（POST /api/v1/usage），"
    "不能访问其他接口"
)


def grant_feed():
    """GET /api/v1/grants for the platform: every grant changed since, with ETag and 304."""
    query = inputs.parse_query(feed.GrantFeedQuery, request.args, blank_means_all=False)
    page = feed.grant_feed(db.session, g.api_person, query)
    if page.etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response = jsonify({})
        response.status_code, response.data = 304, b""
    else:
        response = jsonify(page.body())
    response.headers["ETag"] = page.etag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/usage")
def usage_ingest():
    report = ingest.ingest_json(
        db.session, g.api_person, request.headers.get("Idempotency-Key", ""), request.get_data(cache=False)
    )
    response = jsonify(report.answer())
    response.headers["Idempotency-Replayed"] = "true" if report.replayed else "false"
    return response
