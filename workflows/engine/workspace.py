"""The modeler's workspace: a drawn or uploaded diagram with its forms, what deploying it would change, drafts.

Every route that deploys (browser modeler, XML upload, `flask deploy-bpmn`) ends in versions.deploy and so
runs the same checks; this module only gathers what the browser sends and what it is compared with.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit, clock
from workflows.engine import lint, markup, versiondiff, versions
from workflows.engine.form_meta import json_problem
from workflows.errors import NotFound, ValidationFailed
from workflows.models import Person, ProcessDraft, ProcessVersion

MAX_BPMN_BYTES = 2 * 1024 * 1024
MAX_FORM_BYTES = 100_000
MAX_FORMS = 60
FORM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,60}\.schema\.json$")


def text(xml: bytes | str) -> str:
    """The diagram as text, refused in Chinese when too large or not UTF-8."""
    if isinstance(xml, str):
        xml = xml.encode("utf-8")
    if len(xml) > MAX_BPMN_BYTES:
        raise ValidationFailed(["流程文件超过 2 MB，请检查是否包含多余内容"])
    try:
        return xml.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed(["流程文件不是 UTF-8 编码的 BPMN XML"]) from None


def library(session: Session, process_key: str | None, forms_dir: Path) -> dict:
    """The forms a diagram may use: bpmn/forms, overlaid by those deployed with the process's latest version."""
    found = lint.load_forms(forms_dir)
    latest = versions.latest_version(session, process_key) if process_key else None
    return found | (dict(latest.forms or {}) if latest else {})


def merged_forms(base: dict, submitted) -> dict:
    """The library with the forms edited in the browser on top; a bad name or size is refused, naming the form."""
    if submitted in (None, ""):
        return dict(base)
    if not isinstance(submitted, dict) or len(submitted) > MAX_FORMS:
        raise ValidationFailed([f"表单：应为“文件名 → 表单定义”的对象，最多 {MAX_FORMS} 个"])
    problems, parsed = [], {}
    for name, schema in submitted.items():
        if not FORM_NAME.match(str(name)):
            problems.append(f"表单文件名“{str(name)[:80]}”无效：应为小写英文、数字和下划线，以 .schema.json 结尾")
        elif len(schema if isinstance(schema, str) else json.dumps(schema, ensure_ascii=False)) > MAX_FORM_BYTES:
            problems.append(f"表单“{name}”过大（超过 {MAX_FORM_BYTES // 1000} KB），请精简")
        elif isinstance(schema, str) and (problem := json_problem(schema)):
            problems.append(f"表单“{name}”：{problem}")
        else:
            parsed[name] = json.loads(schema) if isinstance(schema, str) else schema
    if problems:
        raise ValidationFailed(problems, "表单定义有误，未检查")
    return dict(base) | parsed


@dataclass
class Preview:
    """What the deploy confirmation shows: the checks, the difference from the running version, cases per version."""

    verdict: versions.Verdict
    latest: ProcessVersion | None
    diff: versiondiff.VersionDiff | None
    rows: list[versions.VersionRow]
    unchanged: bool = False  # the same content as the running version: nothing to deploy

    def as_dict(self) -> dict:
        latest = self.latest
        return {
            "ok": self.verdict.ok,
            "issues": _issues(self.verdict.issues),
            "dry_run": self.verdict.dry_run.as_dict() if self.verdict.dry_run else None,
            "process_key": self.verdict.outline.process_id,
            "name": self.verdict.outline.name,
            "latest": {"version": latest.version, "id": latest.id} if latest else None,
            "unchanged": self.unchanged,
            "diff": self.diff.as_dict() if self.diff else None,
            "versions": [{"version": r.version.version, "running": r.running, "total": r.total} for r in self.rows],
        }


def _issues(issues: list[lint.LintIssue]) -> list[dict]:
    return [{"element_id": i.element_id, "message": i.message} for i in issues]


def preview(session: Session, xml: bytes | str, forms: dict) -> Preview:
    """The checks of deploy and, against the running version, what would change and who runs on what."""
    source = text(xml)
    verdict = versions.verify(session, source, forms)
    key = verdict.outline.process_id
    latest = versions.latest_version(session, key) if key else None
    diff = None
    if key and not any(i.element_id == "文件" for i in verdict.issues):
        diff = versiondiff.diff(
            latest.bpmn_xml if latest else None, latest.forms if latest else {}, source, verdict.outline.forms
        )
    unchanged = latest is not None and verdict.ok and versions.digest(source, verdict.outline) == latest.content_hash
    return Preview(verdict, latest, diff, versions.process_rows(session, key) if key else [], unchanged)


def deploy(
    session: Session, actor: Person, xml: bytes | str, forms: dict, note: str | None, base_version: int | None = None
) -> versions.Deployed:
    """A modeler deploys a drawn or uploaded file: new cases use it, running ones keep theirs; the draft is done."""
    versions.require_modeler(actor)
    deployed = versions.deploy(session, text(xml), forms, actor.id, note, base_version)
    draft = draft_for(session, deployed.version.process_key)
    if deployed.created and draft is not None:
        session.delete(draft)
    return deployed


def open_file(session: Session, xml: bytes | str, forms_dir: Path) -> dict:
    """A file from disk opened in the browser modeler: other tools' extensions taken out and listed for the modeler to
    confirm, with the forms of its process and the version it would follow. Nothing is stored."""
    try:
        stripped = markup.strip(text(xml))
        if not stripped.process_id:
            raise ValueError("文件中没有流程（bpmn:process）")
    except (ValueError, ValidationFailed) as exc:
        details = exc.details if isinstance(exc, ValidationFailed) else [str(exc)]
        raise ValidationFailed(details, "文件无法打开，建模器中的流程图未改变") from None
    latest = versions.latest_version(session, stripped.process_id)
    return {
        "xml": stripped.xml,
        "removed": stripped.removed,
        "process_key": stripped.process_id,
        "forms": library(session, stripped.process_id, forms_dir),
        "base_version": latest.version if latest else None,
    }


def drafts(session: Session) -> list[ProcessDraft]:
    """Every saved draft, newest first: the list page links to them, also to drafts of processes never deployed."""
    return list(session.scalars(select(ProcessDraft).order_by(ProcessDraft.saved_at.desc())))


def draft_for(session: Session, process_key: str) -> ProcessDraft | None:
    return session.scalar(select(ProcessDraft).where(ProcessDraft.process_key == process_key))


def save_draft(
    session: Session, actor: Person, xml: bytes | str, forms: dict, base_version: int | None
) -> ProcessDraft:
    """Keep unfinished work without deploying it: the checks need not pass yet, the file must name its process."""
    versions.require_modeler(actor)
    source = text(xml)
    _, outline = lint.lint(source, {})
    if not outline.process_id:
        raise ValidationFailed(['草稿未保存：文件中没有可执行流程（isExecutable="true"）或不是有效的 BPMN 文件'])
    draft = draft_for(session, outline.process_id)
    if draft is None:
        draft = ProcessDraft(process_key=outline.process_id)
        session.add(draft)
    draft.name, draft.bpmn_xml, draft.forms = outline.name[:200], source, forms
    draft.base_version, draft.saved_by_id, draft.saved_at = base_version, actor.id, clock.now()
    session.flush()
    audit.record(
        session, actor.id, "process", outline.process_id, "process:draft_saved", None, {"base_version": base_version}
    )
    return draft


def discard_draft(session: Session, actor: Person, process_key: str) -> None:
    versions.require_modeler(actor)
    draft = draft_for(session, process_key)
    if draft is None:
        raise NotFound("没有可放弃的草稿")
    session.delete(draft)
    audit.record(session, actor.id, "process", process_key, "process:draft_discarded", None, None)


def compare(session: Session, process_key: str, older: int, newer: int):
    """Two versions of a process and what the newer changes against the older."""
    first = versions.version_by_number(session, process_key, older)
    second = versions.version_by_number(session, process_key, newer)
    return first, second, versiondiff.diff(first.bpmn_xml, first.forms, second.bpmn_xml, second.forms)
