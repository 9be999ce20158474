"""Input no view can handle is refused with a 422 before any view runs, so it never reaches the database as a 500."""

from __future__ import annotations

import json
import re

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from webapp.errors import respond

MAX_ID = 2**31 - 1  # PostgreSQL's integer: the type of every id column
MAX_JSON_DEPTH = 32
MAX_FIELD_CHARS = 200_000  # a last resort; each field has its own, smaller limit in its service
MAX_JSON_BYTES = 4 * 1024 * 1024  # as a form's text (MAX_FORM_MEMORY_SIZE)
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
MESSAGE = "提交的内容含有系统无法处理的字符或超出上限，未作任何处理。请按提示修改后重新提交"

# Control characters (C0, DEL, C1) and lone surrogates; typed text may keep tab, newline and carriage return.
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_BAD_IN_TEXT = re.compile(f"[{_CONTROL}]")
_BAD_IN_URL = re.compile(f"[{_CONTROL}\t\n\r]")
# A JSON body is scanned as UTF-8 bytes (a regex walks bytes several times faster than text with Chinese in it):
# JSON's quotes, brackets and backslashes are ASCII and never part of a multi-byte character.
_JSON_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"?', re.S)  # possessive, and an unterminated string runs to the end
_JSON_NON_BRACKET = re.compile(rb"[^\[\]{}]++")
# Control characters as UTF-8: C0 and DEL (single bytes, deleted by bytes.translate in C, ten times faster than a
# regex over 1.5 MB), C1 (U+0080-U+009F) and lone surrogates (as "surrogatepass" writes them) after their lead byte.
_C0_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_OR_SURROGATE = re.compile(rb"\xc2[\x80-\x9f]|\xed[\xa0-\xbf]")
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
# What could decode to a control character: an escape of one (\b, \f, \u0000-\u001f, \u007f-\u009f, a surrogate).
_JSON_BAD_ESCAPE = re.compile(rb"\\(?:[bf]|u(?:00[01]|007f|008|009)|u[dD][89a-fA-F])", re.I)
_JSON_ESCAPE = re.compile(rb"\\.", re.S)
# with escapes blanked, a string of more bytes than the limit has characters (a character is one byte or more)
_JSON_LONG_STRING = re.compile(rb'"[^"]{%d}' % MAX_FIELD_CHARS)


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: ASCII digits up to 2³¹−1, so a longer number is a 404, never a database overflow."""

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 (werkzeug's names)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    """Call before any blueprint is registered: routes pick their converter when they are added."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_bad_input)


def _refuse_bad_input():
    problems = [*_url_problems(), *_form_problems(), *_json_problems()]
    if problems:
        return respond(422, "invalid_input", MESSAGE, problems[:10])
    return None


def _url_problems() -> list[str]:
    found = [
        p
        for name, value in (request.view_args or {}).items()
        if isinstance(value, str)
        for p in _check("地址中的参数", name, value, _BAD_IN_URL)
    ]
    for name, value in request.args.items(multi=True):
        if name == "next":  # a redirect target: safe_next drops a bad one and the person still logs in
            continue
        found += _check("查询参数名", name, name, _BAD_IN_URL) + _check("查询参数", name, value, _BAD_IN_URL)
    return found


def _form_problems() -> list[str]:
    if request.method not in BODY_METHODS or request.mimetype not in FORM_TYPES:
        return []
    found = []
    for name, value in request.form.items(multi=True):
        # a form's texts are bounded by MAX_FORM_MEMORY_SIZE and by their services, which name the field on the form
        found += _check("表单字段名", name, name, _BAD_IN_TEXT) + _check(
            "表单字段", name, value, _BAD_IN_TEXT, limit=None
        )
    for name, upload in request.files.items(multi=True):
        found += _check("上传文件的字段名", name, name, _BAD_IN_TEXT)
        found += _check("上传文件名", name, upload.filename or "", _BAD_IN_TEXT)
    return found


def _json_problems() -> list[str]:
    """JSON bodies: API views parse any body as JSON, other views only one sent as application/json."""
    if request.method not in BODY_METHODS or request.mimetype in FORM_TYPES:
        return []
    if not (request.is_json or request.path.startswith("/api/")):
        return []
    too_big = f"JSON 请求体超过 {MAX_JSON_BYTES // 1024 // 1024} MB，请精简后重新提交"
    if (request.content_length or 0) > MAX_JSON_BYTES:
        return [too_big]
    raw = request.get_data(cache=True)
    if len(raw) > MAX_JSON_BYTES:  # a chunked body announces no length
        return [too_big]
    try:
        encoding = json.detect_encoding(raw)
        if not encoding.startswith("utf-8"):  # UTF-16 or UTF-32, as JSON allows: scanned as UTF-8 too
            raw = raw.decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")
    except (UnicodeError, LookupError):
        return []  # not JSON at all: the view answers that itself
    if too_deep(raw):
        return [f"JSON 请求体嵌套超过 {MAX_JSON_DEPTH} 层，请简化后重新提交"]
    if not _may_hold_problems(raw):  # a large clean body (5,000 usage records) is not walked value by value
        return []
    try:
        data = json.loads(raw.decode("utf-8", "surrogatepass"))
    except ValueError:
        return []
    return _json_value_problems(data)


def _may_hold_problems(body: bytes) -> bool:
    """Whether any value could decode to a control character or exceed the field limit (the raw bytes are never
    fewer than the characters they decode to), found by three scans in C instead of a walk over every value."""
    return bool(
        len(body.translate(None, _C0_BYTES)) != len(body)
        or ((b"\xc2" in body or b"\xed" in body) and _C1_OR_SURROGATE.search(body))
        or _JSON_BAD_ESCAPE.search(body)
        or (len(body) > MAX_FIELD_CHARS and _JSON_LONG_STRING.search(_without_escaped_quotes(body)))
    )


def _without_escaped_quotes(body: bytes) -> bytes:
    """The body with every escape blanked (an escaped quote would end a string early), unless it has none to blank
    that matters: other escapes are longer than what they decode to, so the raw bytes overcount, never under."""
    return _JSON_ESCAPE.sub(b"x", body) if b'\\"' in body else body


def too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Nesting beyond the limit, found in one pass without recursion (Python's json parser recurses and
    crashes on deep input): strings are blanked, the brackets left are counted, and the count stops at the
    limit or at a closing bracket with nothing open, where the parser would stop too."""
    if b'\\"' in body:  # a quote after a backslash may be escaped: strings are matched one by one
        brackets = _JSON_NON_BRACKET.sub(b"", _JSON_STRING.sub(b"", body))
    else:  # every quote opens or closes a string: the pieces between pairs are what is outside them
        brackets = b"".join(body.split(b'"')[0::2]).translate(None, _NOT_A_BRACKET)
    depth = 0
    for bracket in brackets:
        depth += 1 if bracket in b"[{" else -1
        if depth > limit:
            return True
        if depth < 0:
            return False
    return False


def _json_value_problems(data) -> list[str]:
    found, pending = [], [("", data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            found += _check("JSON 字段", path or "（请求体）", value, _BAD_IN_TEXT)
        elif isinstance(value, list):
            pending += [(f"{path}[{i}]", item) for i, item in enumerate(value)]
        elif isinstance(value, dict):
            for key, item in value.items():
                found += _check("JSON 字段名", f"{path}.{key}" if path else key, key, _BAD_IN_TEXT)
                pending.append((f"{path}.{key}" if path else key, item))
    return found


def _check(where: str, name: str, value: str, bad: re.Pattern, limit: int | None = MAX_FIELD_CHARS) -> list[str]:
    if limit is not None and len(value) > limit:
        return [f"{where}“{_shown(name)}”超过 {MAX_FIELD_CHARS} 个字符，请精简后重新提交"]
    if bad.search(value):
        return [f"{where}“{_shown(name)}”含有不可见的控制字符（如空字符），请删除后重新提交"]
    return []


def _shown(name: str) -> str:
    """A field name fit to print: control characters spelled out, long names cut."""
    name = _BAD_IN_URL.sub(lambda m: f"\\u{ord(m.group()):04x}", name)
    return name if len(name) <= 40 else name[:40] + "…"
