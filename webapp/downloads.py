"""Files sent for download: the Chinese name in filename*, and an ASCII name that still says what the file is for the
few programs that read only filename (never "-SQ2026000001.pdf" left over from stripping the Chinese)."""

from __future__ import annotations

import re
import unicodedata
from io import BytesIO
from urllib.parse import quote

from flask import Response, render_template, send_file

_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def ascii_name(name: str, fallback: str = "download") -> str:
    """The ASCII letters and digits of a name, trimmed; the fallback stem when nothing meaningful is left."""
    simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem, dot, extension = simple.rpartition(".")
    if not dot:
        stem, extension = simple, ""
    stem = _NOT_ASCII_NAME.sub("-", stem).strip("-_. ")
    extension = _NOT_ASCII_NAME.sub("", extension)
    if not re.search(r"[A-Za-z0-9]", stem):
        stem = fallback
    return f"{stem}.{extension}" if extension else stem


def send(data: bytes, mimetype: str, name: str, ascii: str | None = None, inline: bool = False) -> Response:
    """`name` as people see it (Chinese allowed); `ascii` the plain fallback, made from `name` when not given."""
    fallback = ascii_name(ascii or name)
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=not inline, download_name=fallback)
    if fallback == name:
        response.headers.set("Content-Disposition", "inline" if inline else "attachment", filename=name)
    else:
        response.headers.set(
            "Content-Disposition",
            "inline" if inline else "attachment",
            filename=fallback,
            **{"filename*": "UTF-8''" + quote(name, safe="!#$&+-.^_`|~")},
        )
    return response


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(data: bytes, name: str, ascii: str) -> Response:
    """An Excel workbook (catalog, people, statistics) under its Chinese name."""
    return send(data, XLSX, name, ascii)


def record_pdf(pdf: bytes | None, name: str, ascii: str):
    """A record's PDF, or 503 with when to come back while the periodic pass is still rendering it."""
    if pdf is None:
        message = "记录的 PDF 正在生成，请两分钟后再下载；如长时间无法下载，请联系系统管理员"
        return render_template("error.html", status=503, message=message, details=[]), 503, {"Retry-After": "120"}
    return send(pdf, "application/pdf", name, ascii)
