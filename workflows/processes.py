"""Process versions for modelers: what is deployed, how many cases run on each version, deploy from the browser."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflows import engine, lint
from workflows.errors import Forbidden, NotFound, ValidationFailed
from workflows.models import InstanceStatus, Person, ProcessInstance, ProcessVersion, Role

MAX_BPMN_BYTES = 2 * 1024 * 1024


@dataclass
class VersionRow:
    version: ProcessVersion
    running: int
    total: int


def require_modeler(person: Person) -> None:
    if not person.has_role(Role.MODELER):
        raise Forbidden("只有流程建模人员可以修改和部署流程")


def overview(session: Session) -> dict[str, list[VersionRow]]:
    """Every process with its versions, newest first, and the cases pinned to each."""
    counts = {(vid, status): n for vid, status, n in session.execute(
        select(ProcessInstance.process_version_id, ProcessInstance.status, func.count())
        .group_by(ProcessInstance.process_version_id, ProcessInstance.status))}
    result: dict[str, list[VersionRow]] = {}
    for version in session.scalars(select(ProcessVersion).order_by(ProcessVersion.process_key,
                                                                    ProcessVersion.version.desc())):
        running = counts.get((version.id, InstanceStatus.RUNNING.value), 0)
        total = sum(n for (vid, _), n in counts.items() if vid == version.id)
        result.setdefault(version.process_key, []).append(VersionRow(version, running, total))
    return result


def latest_xml(session: Session, process_key: str) -> ProcessVersion:
    version = engine.latest_version(session, process_key)
    if version is None:
        raise NotFound(f"流程“{process_key}”不存在")
    return version


def _text(xml: bytes | str) -> str:
    if isinstance(xml, bytes):
        if len(xml) > MAX_BPMN_BYTES:
            raise ValidationFailed(["流程文件超过 2 MB，请检查是否包含多余内容"])
        try:
            return xml.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed(["流程文件不是 UTF-8 编码的 BPMN XML"]) from None
    return xml


def check(xml: bytes | str, forms_dir: Path) -> list[lint.LintIssue]:
    issues, _ = engine.check(_text(xml), lint.load_forms(forms_dir))
    return issues


def deploy(session: Session, actor: Person, xml: bytes | str, forms_dir: Path) -> engine.Deployed:
    """New cases use the new version; cases already running keep theirs."""
    require_modeler(actor)
    return engine.deploy(session, _text(xml), lint.load_forms(forms_dir), actor.id)
