"""Every error answers in Chinese with what to do next: JSON under /api, a page elsewhere."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.extensions import db, login_manager
from workflows.errors import DomainError

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: ("bad_request", "请求格式不正确，请检查后重试"),
    401: ("unauthorized", "未登录或令牌无效，请重新登录或使用有效的 API 令牌"),
    403: ("forbidden", "您没有权限执行此操作，如需开通请联系本单位目录管理员或系统管理员"),
    404: ("not_found", "您访问的内容不存在，可能已被删除，请返回上一页"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "数据已被他人修改，请刷新后重试"),
    413: ("too_large", "上传的文件过大，请压缩后重试"),
    422: ("validation_failed", "提交的内容有误，请按提示修改后重试"),
    429: ("too_many_requests", "操作过于频繁，请稍后再试"),
    500: ("server_error", "系统内部错误，您的操作未生效。请稍后重试，如仍有问题请联系系统管理员"),
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def respond(
    status: int,
    code: str,
    message: str,
    details: list[str] | None = None,
    fields: dict[str, str] | None = None,
    note: str | None = None,
):
    """The one error answer: nothing the request wrote is kept, and the person reads what to do next.

    note: what became of the person's input, when the general "之前已保存的内容不受影响" would mislead.
    """
    db.fail()
    if wants_json():
        body = {"code": code, "message": message}
        if details:
            body["details"] = [str(d) for d in details]
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, details=details or [], note=note), status


def _size(limit: int) -> str:
    return f"{limit / 1024 / 1024:g} MB" if limit >= 1024 * 1024 else f"{max(limit // 1024, 1)} KB"


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        return respond(err.status, err.code, err.message, err.details, getattr(err, "fields", None))

    @app.errorhandler(CSRFError)
    def _csrf(err: CSRFError):
        if not wants_json() and request.endpoint != "auth.login" and not current_user.is_authenticated:
            return login_manager.unauthorized()  # the login ended with the session: say the form was not saved
        return respond(400, "csrf_failed", "页面已过期或表单校验失败，请刷新页面后重新提交")

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        code, message = HTTP_MESSAGES.get(err.code, ("error", err.description or "请求失败"))
        custom = err.description if err.description != type(err).description else None
        if err.code == 413:
            return _too_large(custom)
        if err.code == 405:
            return _method_not_allowed(err)
        return respond(err.code or 500, code, custom or message)

    def _method_not_allowed(err: HTTPException):
        """RFC 9110: a 405 names the methods the address does accept, in its Allow header and in the message."""
        allowed = sorted(getattr(err, "valid_methods", None) or [])
        named = [m for m in allowed if m not in ("HEAD", "OPTIONS")]  # the ones a person would choose
        message = f"该地址不支持 {request.method} 请求" + (f"，请改用 {'、'.join(named)}" if named else "")
        response, status = respond(405, "method_not_allowed", message)
        response = make_response(response, status)
        if allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    def _too_large(custom: str | None):
        total = _size(app.config["MAX_CONTENT_LENGTH"] or 0)
        if (request.content_length or 0) <= (app.config["MAX_CONTENT_LENGTH"] or 0):
            # the request fits its limit, so one text field of the form is what is too large
            limit = (app.config["MAX_FORM_MEMORY_SIZE"] or 0) // 1024 // 1024
            message = custom or f"填写的文字过长（单个栏目超过 {limit} MB），请精简后重新提交"
        else:
            message = custom or (
                f"提交的内容过大：一次提交（含全部附件）最多 {total}，本次提交未被接收，" "请压缩或拆分文件后重新提交"
            )
        return respond(
            413,
            "too_large",
            message,
            note="本次提交的内容（包括填写的文字和附件）均未保存，请返回上一页修改后重新提交。",
        )

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error on %s", request.path)
        session.pop("_flashes", None)  # a success message queued before the failure would tell an untruth
        code, message = HTTP_MESSAGES[500]
        return respond(500, code, message)
