"""Files chosen on a form: read as the domain's Chosen, and kept across a refused submit (sharing/uploads.py)."""

from __future__ import annotations

import mimetypes

from flask import request

from webapp.extensions import db
from webapp.refusals import Refusal
from workflows.errors import DomainError, ValidationFailed
from workflows.sharing import applications, uploads

KEPT_NOTE = "已选的文件已暂存（列为“已上传”），改正后提交即可，无需重新选择"


def chosen_files(field: str) -> list[uploads.Chosen]:
    """The files of `field`, typed by the browser or, when it says nothing useful, by their name."""
    files = []
    for upload in request.files.getlist(field):
        if upload and upload.filename:
            content_type = upload.mimetype
            if content_type not in applications.ATTACHMENT_TYPES:
                content_type = mimetypes.guess_type(upload.filename)[0] or content_type
            files.append(uploads.Chosen(upload.filename, content_type, upload.read()))
    return files


def keep_chosen(person, field: str) -> tuple[list[str], list]:
    """Keep the files chosen now in a step of their own (they survive a refusal of the form), then add the tokens of
    those kept on an earlier try; returns (tokens, problems of the files refused)."""
    with db.attempt():
        tokens, refused = uploads.stash(db.session, person, chosen_files(field))
    return request.form.getlist("pending")[: uploads.MAX_TOKENS] + tokens, refused


def keeping(refused: Refusal, files: list, person, tokens: list[str]) -> tuple[Refusal, list]:
    """A refused form that had files: a refused file is named with the form's own problems, and when files were kept
    for the next try the page says so; returns the refusal and the kept files to offer again."""
    kept = uploads.pending(db.session, person, tokens)
    refused = Refusal.of(with_refused(refused.error, files)).headed(refused.headline)
    return (refused.noting(KEPT_NOTE) if kept else refused), kept


def with_refused(err: DomainError, refused: list) -> DomainError:
    """A refused file is named together with the form's own problems, whichever step finds them first."""
    if isinstance(err, ValidationFailed) and refused:
        return ValidationFailed([*err.details, *(p for p in refused if p not in err.details)], err.message)
    return err
