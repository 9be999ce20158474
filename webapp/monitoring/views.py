"""What operators' tools read: /readyz and /metrics (the log line per request is logs.py)."""

from __future__ import annotations

import hmac
import ipaddress
from datetime import timedelta

from flask import Response, abort, current_app, request

from webapp.extensions import db
from webapp.monitoring import metrics
from webapp.monitoring.blueprint import bp
from workflows import monitoring


def stale_after() -> timedelta:
    return timedelta(seconds=current_app.config["SCHEDULER_STALE_SECONDS"])


@bp.get("/readyz")
def readyz():
    """Ready to serve: the database answers, its schema is current and the scheduler ran recently."""
    checks = monitoring.readiness(current_app.extensions["db_sessions"], stale_after())
    failing = [c for c in checks if not c.ok]
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    if failing:
        body["message"] = "未就绪：" + "；".join(f"{c.name}：{c.detail}" for c in failing)
    return body, 200 if not failing else 503


@bp.get("/metrics")
def prometheus_metrics():
    if not _may_read_metrics():
        abort(404)
    text = metrics.exposition(monitoring.gauges(db.session))
    return Response(text, mimetype="text/plain; version=0.0.4; charset=utf-8")


def _may_read_metrics() -> bool:
    """From a configured address, or with METRICS_TOKEN as a bearer token; anyone else finds nothing here."""
    token = current_app.config.get("METRICS_TOKEN", "")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in current_app.config.get("METRICS_ALLOWED_NETWORKS", []))
