"""Process versions: deploy after the checks, what is deployed and how many cases run on each, who may read a diagram."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from workflows import audit, clock
from workflows.engine import contracts, lint, serialization
from workflows.errors import Forbidden, NotFound, ValidationFailed
from workflows.models import Application, HumanTask, InstanceStatus, Person, ProcessInstance, ProcessVersion, Role

MAX_BPMN_BYTES = 2 * 1024 * 1024


class DeployRejected(ValidationFailed):
    def __init__(self, issues: list[lint.LintIssue]):
        super().__init__([str(i) for i in issues], "流程文件未通过检查，未部署。请按提示修改后重新部署")
        self.issues = issues


@dataclass(frozen=True)
class Deployed:
    version: ProcessVersion
    created: bool


_contracts: dict[str, contracts.ProcessContract] = {}


def configure(process_contracts) -> None:
    """The contracts of the processes the code drives; listed in workflows/bootstrap.py."""
    _contracts.clear()
    _contracts.update({c.process_key: c for c in process_contracts})


def check(xml: str, forms: dict) -> tuple[list[lint.LintIssue], lint.Outline]:
    """Everything deploy checks, without storing: the lint, the process's contract, then SpiffWorkflow's own parse."""
    issues, outline = lint.lint(xml, forms)
    if not issues and outline.process_id in _contracts:
        issues = contracts.issues(outline, _contracts[outline.process_id])
    if issues:
        return issues, outline
    try:
        serialization.parse(xml, outline.process_id)
    except ValidationException as exc:
        issues.append(lint.LintIssue(getattr(exc, "id", None) or "文件", f"流程结构错误：{exc}"))
    except Exception as exc:  # the parser raises many kinds on malformed models
        issues.append(lint.LintIssue("文件", f"流程无法解析：{exc}"))
    return issues, outline


def deploy(session: Session, xml: str, forms: dict, actor_id: int | None) -> Deployed:
    """Store a new version when the content changed; identical content keeps the current one."""
    issues, outline = check(xml, forms)
    if issues:
        raise DeployRejected(issues)
    digest = hashlib.sha256(xml.encode("utf-8") + json.dumps(outline.forms, sort_keys=True,
                                                             ensure_ascii=False).encode("utf-8")).hexdigest()
    latest = latest_version(session, outline.process_id)
    if latest is not None and latest.content_hash == digest:
        return Deployed(latest, False)
    version = ProcessVersion(process_key=outline.process_id, name=outline.name,
                             version=(latest.version + 1) if latest else 1, bpmn_xml=xml,
                             forms=outline.forms, content_hash=digest, deployed_by_id=actor_id,
                             deployed_at=clock.now())
    session.add(version)
    session.flush()
    audit.record(session, actor_id, "process", outline.process_id, "process:deployed",
                 {"version": latest.version} if latest else None, {"version": version.version})
    return Deployed(version, True)


_LATEST_VERSION = (select(ProcessVersion).where(ProcessVersion.process_key == bindparam("process_key"))
                   .order_by(ProcessVersion.version.desc()).limit(1))


def latest_version(session: Session, process_key: str) -> ProcessVersion | None:
    return session.scalars(_LATEST_VERSION, {"process_key": process_key}).first()


def task_period(version: ProcessVersion | None, task_key: str) -> int | None:
    """The working days a user task of this version allows (its `period` property), for pages and messages."""
    if version is None:
        return None
    found = serialization.periods_for(version).get(task_key)
    return found[0] if found else None


def current_period(session: Session, process_key: str, task_key: str) -> int | None:
    """The period new cases of the process get (its latest version)."""
    return task_period(latest_version(session, process_key), task_key)


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
    version = latest_version(session, process_key)
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


def check_file(xml: bytes | str, forms_dir: Path) -> list[lint.LintIssue]:
    """The checks of deploy_file, for the modeler's 检查 button."""
    issues, _ = check(_text(xml), lint.load_forms(forms_dir))
    return issues


def deploy_file(session: Session, actor: Person, xml: bytes | str, forms_dir: Path) -> Deployed:
    """A modeler deploys an uploaded or drawn file: new cases use the new version, running ones keep theirs."""
    require_modeler(actor)
    return deploy(session, _text(xml), lint.load_forms(forms_dir), actor.id)
