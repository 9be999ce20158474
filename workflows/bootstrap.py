"""The one list of who answers what: which function handles each process task, who hears each event.

Called once by the app factory (so by the CLI too), the scheduler and the tests. Nothing registers itself
by being imported: a handler that is not listed here does not run, and this file shows every reaction.
"""

from __future__ import annotations

from workflows import audit_text, calendar, demo, events
from workflows.catalog import audit_events as catalog_audit
from workflows.catalog import changes, confirmations, demands, proposals
from workflows.engine import audit_events as engine_audit
from workflows.engine import forms, pages, tasks, versions
from workflows.incidents import audit_events as incident_audit
from workflows.objections import audit_events as objection_audit
from workflows.objections import cases as objection_cases
from workflows.objections import handling as objections
from workflows.objections import pages as objection_pages
from workflows.objections import process as objection_process
from workflows.organisation import audit_events as organisation_audit
from workflows.sharing import affected, integrity, process, rejections, resubmission, reviews, visibility
from workflows.sharing import audit_events as sharing_audit
from workflows.sharing import pages as sharing_pages
from workflows.site import audit_events as site_audit
from workflows.supervision import audit_events as supervision_audit
from workflows.usage import audit_events as usage_audit
from workflows.supervision import deadline_changes, effect, reminders

TASK_HANDLERS = {
    (process.PROCESS, process.REVIEW_TASK): reviews.review_completed,
    (process.PROCESS, process.RESUBMIT_TASK): reviews.resubmitted,
    (process.PROCESS, process.COORDINATE_TASK): reviews.bureau_coordinated,
    (demands.PROCESS, "dc_assign"): demands.assigned,
    (demands.PROCESS, "dc_answer"): demands.answered,
    (demands.PROCESS, "dc_close"): demands.closed,
    (changes.PROCESS, changes.UPDATE_TASK): changes.updated,
    (changes.PROCESS, changes.CONFIRM_TASK): changes.confirmed_none,
    (proposals.PROCESS, proposals.CONFIRM_TASK): confirmations.confirmed,
    (affected.PROCESS, affected.DECIDE_TASK): affected.handled,
    (objection_process.PROCESS, objection_process.TRIAGE): objections.triaged,
    (objection_process.PROCESS, objection_process.SUPPLEMENT): objections.supplemented,
    (objection_process.PROCESS, objection_process.TRANSFER): objections.transferred,
    **{(objection_process.PROCESS, key): objections.answered for key in objection_process.ANSWERS},
    (objection_process.PROCESS, objection_process.DECIDE): objections.decided,
    (objection_process.PROCESS, objection_process.COORDINATE): objections.coordinated,
    (objection_process.PROCESS, objection_process.REFER): objections.referred,
    (objection_process.PROCESS, objection_process.GOVERNMENT): objections.government_decided,
    (objection_process.PROCESS, objection_process.CORRECT): objections.corrected,
    (objection_process.PROCESS, objection_process.RATE): objections.rated,
    (effect.PROCESS, effect.RATE_TASK): effect.rated,
}

CLOSED_NOTICES = {process.PROCESS: reviews.closed_notice}

LISTENERS = {
    "task.opened": (objections.task_opened, reminders.new_task),
    "task.delegated": (reminders.delegated,),
    "task.due_moved": (deadline_changes.due_moved,),
    "task.completed": (integrity.task_completed, objections.task_completed),
    "bpmn.reminder": (reminders.remind,),
    "bpmn.escalation": (reminders.escalate,),
    "bpmn.auto_grant": (reviews.auto_granted,),
    "bpmn.approved": (reviews.approved,),
    "bpmn.rejected": (reviews.rejected,),
    "entry_change.effective": (affected.change_effective,),
}

FORM_OPTIONS = {
    "subject_items": sharing_pages.review_items,
    "review_decisions": reviews.review_decisions,
    "holder_units": rejections.holder_units,
    "returned_items": resubmission.returned_items,
    "responding_units": objections.responding_units,
    "unit_revisions": changes.revised_entries,
}

CASE_PAGES = {
    "application": sharing_pages.review_case,
    "objection": objection_pages.objection_case,
    "entry_change": sharing_pages.change_case,
    "catalog_change": changes.change_case,
    "effect_rating": effect.rating_case,
}

FORM_INITIAL = {
    (demands.PROCESS, "dc_assign"): demands.assign_initial,
    (objection_process.PROCESS, objection_process.TRANSFER): objections.transfer_initial,
}

FORM_CHECKS = {
    "specific_reason": reviews.reason_check,
    "objection_reason": objections.reason_check,
    "coordination_opinion": reviews.coordination_check,
    "decision_opinion": objections.decision_check,
    "past_day": objection_cases.past_day_check,
    "entry_change_return": proposals.return_check,
    "catalog_update_return": changes.return_check,
    "effect_statement": effect.effect_check,
}

# Who must step aside from a task although their role would let them act (回避): fn(session, person, task) -> why
RECUSALS = {objection_process.PROCESS: objection_cases.recusal}

# Who may see a case at all, by its subject: the task pages follow the subject's own pages
CASE_VISIBILITY = {
    "application": visibility.case_visible,
    "objection": objection_cases.case_visible,
    "effect_rating": effect.case_visible,
}

CONTRACTS = (
    process.CONTRACT,
    demands.CONTRACT,
    changes.CONTRACT,
    objection_process.CONTRACT,
    proposals.CONTRACT,
    affected.CONTRACT,
    effect.CONTRACT,
)

# What each feature writes to the audit trail and how it reads: an action no feature declares shows as 其他操作,
# which tests/workflows/organisation/test_audit_labels.py forbids for every action the code records
AUDIT_EVENTS = (
    audit_text.COMMON,
    calendar.AUDIT_EVENTS,
    engine_audit.AUDIT_EVENTS,
    organisation_audit.AUDIT_EVENTS,
    site_audit.AUDIT_EVENTS,
    catalog_audit.AUDIT_EVENTS,
    sharing_audit.AUDIT_EVENTS,
    objection_audit.AUDIT_EVENTS,
    incident_audit.AUDIT_EVENTS,
    supervision_audit.AUDIT_EVENTS,
    usage_audit.AUDIT_EVENTS,
    demo.AUDIT_EVENTS,
)


def bootstrap() -> None:
    events.configure(LISTENERS)
    tasks.configure(TASK_HANDLERS, CLOSED_NOTICES, RECUSALS, CASE_VISIBILITY)
    forms.configure(FORM_OPTIONS, FORM_CHECKS)
    pages.configure(CASE_PAGES, FORM_INITIAL)
    versions.configure(CONTRACTS, reminders.TASK_TEMPLATES)
    audit_text.configure(AUDIT_EVENTS)
