"""One log line per request (JSON in production, text in development), with a request id echoed to the client."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import datetime, timezone

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from webapp.monitoring import metrics

REQUEST_ID_HEADER = "X-Request-ID"
GIVEN_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")  # an id from the proxy is kept only when it is this plain
UNMATCHED = "<unmatched>"
log = logging.getLogger("webapp.requests")
OUR_LOGGERS = ("webapp", "workflows", "notifications")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object on one line, its `fields` merged in."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def log_format(app: Flask) -> str:
    """LOG_FORMAT, else JSON unless the app runs in debug mode (development)."""
    chosen = (app.config.get("LOG_FORMAT") or "").strip().lower()
    return chosen if chosen in ("json", "text") else ("text" if app.debug else "json")


def configure(app: Flask) -> None:
    """Our loggers speak at INFO through one handler on the root logger (tests keep pytest's own capture)."""
    if app.testing:
        return
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "xiayi", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler.xiayi = True
        root.addHandler(handler)
    handler.setFormatter(JsonFormatter() if log_format(app) == "json" else logging.Formatter(TEXT_FORMAT))
    for name in OUR_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    """Registered before the database: its after_request (the one logging) then runs after the commit."""
    configure(app)
    app.before_request(_start)
    app.after_request(_finish)
    if not event.contains(Engine, "after_cursor_execute", _statement_ended):
        event.listen(Engine, "before_cursor_execute", _statement_began)
        event.listen(Engine, "after_cursor_execute", _statement_ended)


def _timed() -> bool:
    """Only a request's statements are timed: the scheduler and the CLI have no request to log."""
    return has_request_context() and "db_seconds" in g


def _statement_began(conn, cursor, statement, parameters, context, executemany):
    if _timed():
        conn.info["statement_began"] = time.perf_counter()


def _statement_ended(conn, cursor, statement, parameters, context, executemany):
    """The request's time waiting on the database, beside its own CPU time: where a slow request spent it."""
    if _timed() and (began := conn.info.pop("statement_began", None)) is not None:
        g.db_seconds += time.perf_counter() - began


def remember_who(response):
    """Registered after the database: the person is read before the request's transaction ends."""
    user = g.get("api_person") or getattr(g.get("_login_user"), "person", None)
    if user is not None and "log_person" not in g:
        g.log_person = (user.id, user.unit_id)
    return response


def _start() -> None:
    g.request_started, g.cpu_started, g.db_seconds = time.perf_counter(), time.thread_time(), 0.0
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if GIVEN_ID.fullmatch(given) else uuid.uuid4().hex


def _finish(response):
    started = g.get("request_started", time.perf_counter())
    seconds = time.perf_counter() - started
    cpu_ms = round((time.thread_time() - g.get("cpu_started", time.thread_time())) * 1000, 1)
    db_ms = round(g.get("db_seconds", 0.0) * 1000, 1)
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    person_id, unit_id = g.get("log_person", (None, None))
    fields = {
        "request_id": request_id,
        "method": request.method,
        "route": route,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1),
        "cpu_ms": cpu_ms,
        "db_ms": db_ms,
        "person_id": person_id,
        "unit_id": unit_id,
        "remote_addr": request.remote_addr,
    }
    if current_app.config.get("SERVER_TIMING"):  # for bench/http.py: this worker's CPU and database time
        response.headers["Server-Timing"] = f"cpu;dur={cpu_ms}, db;dur={db_ms}"
    log.info(
        "%s %s %s %.1fms request_id=%s person=%s",
        request.method,
        route,
        response.status_code,
        seconds * 1000,
        request_id,
        person_id or "-",
        extra={"fields": fields},
    )
    metrics.observe_request(route, request.method, response.status_code, seconds)
    return response
