"""What supervision writes to the audit trail: who was reminded, and the bureau's 督办 note on an overdue task."""

from __future__ import annotations

from workflows.audit_text import Events

AUDIT_EVENTS = Events(keys={"recipients": "通知人数", "supervision_note": "督办意见"})
