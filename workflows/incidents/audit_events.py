"""What incidents write to the audit trail."""

from __future__ import annotations

from workflows.audit_text import Events
from workflows.models import IncidentSource, IncidentStatus

AUDIT_EVENTS = Events(
    actions={"incident:recorded": "登记安全事件", "incident:status_changed": "更改安全事件处置状态"},
    subjects={"incident": "安全事件"},
    statuses={"incident": IncidentStatus},
    keys={"source": "来源"},
    hidden_keys=frozenset({"incident_id"}),  # the objection's "unit:incident" names its incident row
    values={"source": dict(IncidentSource.choices())},
)
