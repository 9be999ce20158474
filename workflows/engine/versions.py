"""Process versions: deploy after the checks, what is deployed and how many cases run on each, who may read a diagram."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from sqlalchemy import bindparam, exists, func, or_, select
from sqlalchemy.orm import Session

from workflows import audit, clock, inputs, reasons
from workflows.engine import contracts, dryrun, explain, lint, serialization, versiondiff
from workflows.engine.naming import Names
from workflows.errors import Conflict, Forbidden, NotFound, ValidationFailed
from workflows.models import (
    Application,
    HumanTask,
    InstanceStatus,
    Objection,
    Person,
    ProcessInstance,
    ProcessVersion,
    Role,
)


class DeployRejected(ValidationFailed):
    def __init__(self, issues: list[lint.LintIssue], dry_run: dryrun.DryRun | None = None):
        super().__init__([str(i) for i in issues], "流程文件未通过检查，未部署。请按提示修改后重新部署")
        self.issues = issues
        self.dry_run = dry_run


@dataclass(frozen=True)
class Deployed:
    version: ProcessVersion
    created: bool
    dry_run: dryrun.DryRun | None = None
    changes: tuple[str, ...] = ()  # what this version changes against the previous one, one line each
    repeated: bool = False  # the same person's deploy of this content a moment ago (a double click, a retry)


@dataclass
class Verdict:
    """Everything deploy checks: the static issues, then the dry run of a version that has none."""

    issues: list[lint.LintIssue]
    outline: lint.Outline
    dry_run: dryrun.DryRun | None = None

    @property
    def ok(self) -> bool:
        return not self.issues


_contracts: dict[str, contracts.ProcessContract] = {}
_passed_dry_runs: dict[str, dryrun.DryRun] = {}
NOTE_LIMIT = 2000


_templates: dict[str, str] = {}


def configure(process_contracts, task_templates: dict[str, str] | None = None) -> None:
    """The contracts of the processes the code drives and the notification templates a reminder or
    escalation may name (emit(..., template=...)); both listed in workflows/bootstrap.py."""
    _contracts.clear()
    _contracts.update({c.process_key: c for c in process_contracts})
    _templates.clear()
    _templates.update(task_templates or {})


def _template_issues(outline: lint.Outline) -> list[lint.LintIssue]:
    known = "、".join(f"{name}（{title}）" for name, title in _templates.items())
    return [
        lint.LintIssue(element_id, f"通知模板“{name}”不存在，可选：{known}")
        for element_id, names in outline.templates.items()
        for name in sorted(names)
        if name not in _templates
    ]


def check(xml: str, forms: dict) -> tuple[list[lint.LintIssue], lint.Outline]:
    """The static checks: the lint, the process's contract, then SpiffWorkflow's own parse."""
    issues, outline = lint.lint(xml, forms)
    issues += _template_issues(outline)
    if outline.process_id in _contracts:  # named beside the drawing's problems: deleting a step breaks both
        issues += contracts.issues(outline, _contracts[outline.process_id])
    if issues:
        return issues, outline
    try:
        serialization.parse(xml, outline.process_id)
    except ValidationException as exc:
        where = getattr(exc, "id", None) or "文件"
        label = Names(lint.parse_xml(xml)).of(where) if where != "文件" else "文件"
        issues.append(lint.LintIssue(where, f"{label}：{explain.parser(str(exc.args[0]) if exc.args else str(exc))}"))
    except Exception as exc:  # the parser raises many kinds on malformed models
        issues.append(lint.LintIssue("文件", f"流程无法解析：{explain.parser(str(exc))}"))
    return issues, outline


def verify(session: Session, xml: str, forms: dict) -> Verdict:
    """The static checks and, when they pass, the dry run along every branch (a passing run is remembered)."""
    issues, outline = check(xml, forms)
    if issues:
        return Verdict(issues, outline)
    content = digest(xml, outline)
    run = _passed_dry_runs.get(content) or dryrun.run(session, xml, outline.process_id, outline.forms)
    if run.ok:
        if len(_passed_dry_runs) > 256:
            _passed_dry_runs.clear()
        _passed_dry_runs[content] = run
    return Verdict(run.issues(), outline, run)


def digest(xml: str, outline: lint.Outline) -> str:
    """The content a version is identified by: its XML and the forms it uses."""
    forms = json.dumps(outline.forms, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(xml.encode("utf-8") + forms.encode("utf-8")).hexdigest()


def deploy(
    session: Session,
    xml: str,
    forms: dict,
    actor_id: int | None,
    note: str | None = None,
    base_version: int | None = None,
    once: bool = False,
) -> Deployed:
    """Store a new version when the content changed; identical content keeps the current one.

    A change note is required for every version after the first; base_version (the version the modeler
    started from) refuses a deploy that would silently overwrite someone else's newer version.
    once: content any earlier version already had is not deployed again (the demo seed re-reading bpmn/ must not
    replace what a modeler deployed since).
    """
    verdict = verify(session, xml, forms)
    if verdict.issues:
        raise DeployRejected(verdict.issues, verdict.dry_run)
    outline, content = verdict.outline, digest(xml, verdict.outline)
    latest = latest_version(session, outline.process_id)
    if latest is not None and latest.content_hash == content:
        repeated = (
            base_version is not None
            and latest.version == base_version + 1
            and latest.deployed_by_id is not None
            and latest.deployed_by_id == actor_id
        )
        return Deployed(latest, False, verdict.dry_run, repeated=repeated)
    if (
        once
        and latest is not None
        and session.scalar(
            select(ProcessVersion.id)
            .where(ProcessVersion.process_key == outline.process_id, ProcessVersion.content_hash == content)
            .limit(1)
        )
    ):
        return Deployed(latest, False, verdict.dry_run)
    if base_version is not None and latest is not None and latest.version != base_version:
        raise Conflict(
            f"“{latest.name}”已由他人部署为第 {latest.version} 版（您基于第 {base_version} 版修改），"
            "未部署。请重新打开建模器，查看差异后再部署"
        )
    note = _note(note, latest)
    version = ProcessVersion(
        process_key=outline.process_id,
        name=outline.name,
        version=(latest.version + 1) if latest else 1,
        bpmn_xml=xml,
        forms=outline.forms,
        content_hash=content,
        deployed_by_id=actor_id,
        deployed_at=clock.now(),
        note=note,
    )
    session.add(version)
    session.flush()
    changes = (
        versiondiff.diff(
            latest.bpmn_xml if latest else None, latest.forms if latest else {}, xml, outline.forms
        ).lines()
        if latest
        else []
    )
    audit.record(
        session,
        actor_id,
        "process",
        outline.process_id,
        "process:deployed",
        {"version": latest.version} if latest else None,
        {"version": version.version, "note": note, "changes": changes[:50]},
    )
    return Deployed(version, True, verdict.dry_run, tuple(changes))


def _note(note: str | None, latest: ProcessVersion | None) -> str | None:
    note = (note or "").strip()
    if not note and latest is not None:
        raise ValidationFailed(
            ["变更说明：必填。请写明本次修改了什么、为什么修改（如：审核期限由 5 个工作日改为 3 个工作日）"],
            "未部署：请填写变更说明",
        )
    if problem := inputs.too_long("变更说明", note, NOTE_LIMIT):
        raise ValidationFailed([problem], "未部署：变更说明过长")
    if (
        note
        and latest is not None
        and (
            problem := reasons.reason_problem(
                note,
                "变更说明",
                minimum=4,
                hint="请写明本次修改了什么、为什么修改（如：审核期限由 5 个工作日改为 3 个工作日）",
            )
        )
    ):
        raise ValidationFailed([f"变更说明：{problem}"], "未部署：变更说明要写明具体内容")
    return note or "首次部署"


_LATEST_VERSION = (
    select(ProcessVersion)
    .where(ProcessVersion.process_key == bindparam("process_key"))
    .order_by(ProcessVersion.version.desc())
    .limit(1)
)


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
    counts = {
        (vid, status): n
        for vid, status, n in session.execute(
            select(ProcessInstance.process_version_id, ProcessInstance.status, func.count()).group_by(
                ProcessInstance.process_version_id, ProcessInstance.status
            )
        )
    }
    result: dict[str, list[VersionRow]] = {}
    for version in session.scalars(
        select(ProcessVersion).order_by(ProcessVersion.process_key, ProcessVersion.version.desc())
    ):
        running = counts.get((version.id, InstanceStatus.RUNNING.value), 0)
        total = sum(n for (vid, _), n in counts.items() if vid == version.id)
        result.setdefault(version.process_key, []).append(VersionRow(version, running, total))
    return result


def process_rows(session: Session, process_key: str) -> list[VersionRow]:
    """The versions of one process, newest first, with the cases running on each."""
    return overview(session).get(process_key, [])


def version_by_number(session: Session, process_key: str, number: int) -> ProcessVersion:
    version = session.scalar(
        select(ProcessVersion).where(ProcessVersion.process_key == process_key, ProcessVersion.version == number)
    )
    if version is None:
        raise NotFound(f"流程“{process_key}”没有第 {number} 版")
    return version


def diagram(session: Session, actor: Person, version_id: int) -> ProcessVersion:
    """A version's XML for modelers and for people who can see one of its cases; to anyone else it does not exist."""
    version = session.get(ProcessVersion, version_id) if 0 < version_id < 2**31 else None
    if version is None or not (actor.has_role(Role.MODELER) or _sees_a_case(session, actor, version_id)):
        raise NotFound("流程图不存在，或您无权查看")
    return version


def _sees_a_case(session: Session, person: Person, version_id: int) -> bool:
    """Coordinators see every case; others the cases their units started, handle, apply to or are objected to in, and
    their own tasks."""
    on_version = ProcessInstance.process_version_id == version_id
    if person.has_role(Role.COORDINATOR):
        return session.scalar(select(exists().where(on_version)))
    units = {m.unit_id for m in person.memberships} | {person.unit_id}
    started = exists().where(on_version, ProcessInstance.unit_id.in_(units))
    handled = exists().where(
        HumanTask.instance_id == ProcessInstance.id,
        on_version,
        or_(HumanTask.unit_id.in_(units), HumanTask.assignee_id == person.id, HumanTask.completed_by_id == person.id),
    )
    applied = exists().where(
        Application.instance_id == ProcessInstance.id,
        on_version,
        or_(Application.applicant_unit_id.in_(units), Application.provider_unit_id.in_(units)),
    )
    objected = exists().where(  # an objection's raiser and the unit it is raised against read its page
        Objection.instance_id == ProcessInstance.id,
        on_version,
        or_(Objection.raiser_unit_id.in_(units), Objection.concerned_unit_id.in_(units)),
    )
    return session.scalar(select(or_(started, handled, applied, objected)))
