"""Process versions for modelers: what is deployed, how many cases run on each version, deploy from the browser."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from workflows import engine, lint
from workflows.errors import Forbidden, NotFound, ValidationFailed
from workflows.models import Application, HumanTask, InstanceStatus, Person, ProcessInstance, ProcessVersion, Role

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


def diagram(session: Session, actor: Person, version_id: int) -> ProcessVersion:
    """A version's XML for modelers and for people who can see one of its cases; to anyone else it does not exist."""
    version = session.get(ProcessVersion, version_id) if 0 < version_id < 2**31 else None
    if version is None or not (actor.has_role(Role.MODELER) or _sees_a_case(session, actor, version_id)):
        raise NotFound("流程图不存在，或您无权查看")
    return version


def _sees_a_case(session: Session, person: Person, version_id: int) -> bool:
    """Coordinators see every case; others the cases their units started, handle or apply to, and their own tasks."""
    on_version = ProcessInstance.process_version_id == version_id
    if person.has_role(Role.COORDINATOR):
        return session.scalar(select(exists().where(on_version)))
    units = {m.unit_id for m in person.memberships} | {person.unit_id}
    started = exists().where(on_version, ProcessInstance.unit_id.in_(units))
    handled = exists().where(HumanTask.instance_id == ProcessInstance.id, on_version,
                             or_(HumanTask.unit_id.in_(units), HumanTask.assignee_id == person.id,
                                 HumanTask.completed_by_id == person.id))
    applied = exists().where(Application.instance_id == ProcessInstance.id, on_version,
                             or_(Application.applicant_unit_id.in_(units), Application.provider_unit_id.in_(units)))
    return session.scalar(select(or_(started, handled, applied)))


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
