"""Who may see an application, its grant and its records: one rule per aggregate, used by every page, API route,
download and prefill (so no two places disagree, e.g. on drafts)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from workflows.models import Application, ApplicationStatus, ApprovalRecord, Grant, Person, Role


def units_of(person: Person) -> set[int]:
    """The units a person acts for: their own and every unit they hold a role in."""
    return {m.unit_id for m in person.memberships} | {person.unit_id}


def application_visible(person: Person, app: Application) -> bool:
    """The applicant unit always; once submitted, the provider unit and the county data bureau too. A draft is the
    applicant unit's own business."""
    if app.applicant_unit_id in units_of(person):
        return True
    if app.status == ApplicationStatus.DRAFT:
        return False
    return app.provider_unit_id in units_of(person) or person.has_role(Role.COORDINATOR)


def application_concerns(person: Person, app: Application) -> bool:
    """Whether the application is the person's unit's own business (it applied or it reviews): what an objection
    may be raised about and prefilled with. Anyone else is told nothing about it, not even that it exists."""
    return application_visible(person, app) and bool(units_of(person) & {app.applicant_unit_id, app.provider_unit_id})


def grant_visible(person: Person, grant: Grant) -> bool:
    """The unit holding the grant, the unit whose data it is, and the county data bureau."""
    return bool(units_of(person) & {grant.unit_id, grant.resource.provider_unit_id}) or person.has_role(
        Role.COORDINATOR
    )


def grant_concerns(person: Person, grant: Grant) -> bool:
    return bool(units_of(person) & {grant.unit_id, grant.resource.provider_unit_id})


def record_visible(person: Person, record: ApprovalRecord) -> bool:
    """A record in full is seen by whoever may see its application (anyone may verify its hash at /verify)."""
    return application_visible(person, record.application)


def case_visible(session: Session, person: Person, subject_id: str | None) -> bool:
    """For a task page of an application's case: the same rule as the application's own page."""
    app = session.get(Application, int(subject_id)) if (subject_id or "").isdigit() else None
    return app is not None and application_visible(person, app)
