"""What the page of one application shows, loaded up front: its case, deadline, grant, record and allowed actions."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from workflows import engine
from workflows.engine import tasks
from workflows.models import (
    Application,
    ApplicationStatus,
    ApprovalRecord,
    Grant,
    GrantStatus,
    HumanTask,
    Person,
    ProcessInstance,
    RejectionCategory,
    TaskStatus,
)
from workflows.sharing import applications, grants, records, reviews

EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)
WITHDRAWABLE = (*applications.OPEN_STATUSES, ApplicationStatus.DRAFT)


@dataclass
class ApplicationPage:
    app: Application
    instance: ProcessInstance | None = None
    steps: list[HumanTask] = field(default_factory=list)
    viewable: set[int] = field(default_factory=set)  # the steps this person may open
    actionable: list[HumanTask] = field(default_factory=list)
    deadline: dict | None = None
    grant: Grant | None = None
    record: ApprovalRecord | None = None
    can_edit: bool = False
    can_withdraw: bool = False
    can_revoke: bool = False
    rejection_label: str = ""
    resource_warning: str | None = None  # the entry became 不予共享 or was retired while the case runs
    review_days: int | None = None
    done_ids: list[str] = field(default_factory=list)
    active_ids: list[str] = field(default_factory=list)
    active_names: list[str] = field(default_factory=list)


def application_page(session: Session, person: Person, application_id: int) -> ApplicationPage:
    app = applications.get_application(session, person, application_id)
    page = ApplicationPage(app=app, rejection_label=RejectionCategory.label_of(app.rejection_category),
                           review_days=applications.review_period(session, app))
    if app.instance_id:
        page.instance = session.get(ProcessInstance, app.instance_id)
        page.done_ids, page.active_ids, page.active_names = engine.progress(session, page.instance)
    page.steps = tasks.case_tasks(session, "application", app.id)
    page.viewable = tasks.viewable(session, person, page.steps)
    page.resource_warning = reviews.resource_warning(app) if app.status in applications.OPEN_STATUSES else None
    open_steps = [t for t in page.steps if t.status == TaskStatus.OPEN]
    page.actionable = [t for t in open_steps if engine.can_act(session, person, t)]
    review = next((t for t in open_steps if t.task_key == applications.REVIEW_TASK), None)
    page.deadline = tasks.deadline(session, review) if review else None
    page.grant, page.record = grants.for_application(session, app.id), records.for_application(session, app.id)
    mine = app.applicant_unit_id in applications.applicant_units(person)
    page.can_edit = mine and app.status in EDITABLE
    page.can_withdraw = mine and app.status in WITHDRAWABLE
    page.can_revoke = (page.grant is not None and page.grant.status == GrantStatus.ACTIVE
                       and grants.can_revoke(person, page.grant))
    return page


def task_warning(session: Session, task: HumanTask) -> str | None:
    """What a reviewer must see on an open review: the resource can no longer be approved (changed under it)."""
    if task.status != TaskStatus.OPEN or task.instance.subject_type != "application":
        return None
    return reviews.resource_warning(session.get(Application, int(task.instance.subject_id)))
