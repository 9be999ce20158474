"""Cases stored by an earlier release still restore and run to their end (guards SpiffWorkflow upgrades).

tests/workflows/engine/golden/ holds the state of a data application waiting in review and of one returned for more
information, as this release stored them, with the diagram and forms they ran on. Each is put back as a stored row
of its own version (never re-linted: an upgrade does not redeploy old versions) and taken to a decision.
Regenerate them deliberately with `.venv/bin/python -m tests.workflows.engine.golden.regenerate`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.helpers import HOUSEHOLD, at, decide, person, review_task, status
from workflows import clock, engine
from workflows.engine import lint, serialization, tasks
from workflows.models import (
    Application,
    ApplicationStatus,
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    ProcessVersion,
    TaskStatus,
)
from workflows.sharing import applications, grants, integrity

GOLDEN = Path(__file__).parent / "golden"


def stored_version(session) -> ProcessVersion:
    """The golden diagram as the row an earlier release left behind."""
    xml = (GOLDEN / "data_application.bpmn").read_text(encoding="utf-8")
    forms = lint.load_forms(GOLDEN / "forms")
    digest = hashlib.sha256(xml.encode() + json.dumps(forms, sort_keys=True, ensure_ascii=False).encode())
    version = ProcessVersion(
        process_key="data_application",
        name="数据共享申请",
        version=1,
        bpmn_xml=xml,
        forms=forms,
        content_hash=digest.hexdigest(),
        deployed_at=clock.now(),
    )
    session.add(version)
    return version


def restored(sessions, name: str) -> int:
    """An application whose case is the golden state, with its open tasks mirrored as after an upgrade."""
    golden = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    with sessions.begin() as s:
        machao = person(s, "machao")
        version = stored_version(s)
        assert serialization.load(version, json.dumps(golden["state"])).is_completed() is False
        app = applications.save_draft(s, machao, machao.unit_id, HOUSEHOLD)
        app.status, app.number, app.submitted_at = (
            ApplicationStatus(golden["application_status"]),
            golden["number"],
            clock.now(),
        )
        instance = ProcessInstance(
            process_version=version,
            state=json.dumps(golden["state"]),
            subject_type="application",
            subject_id=str(app.id),
            unit_id=app.applicant_unit_id,
            started_by_id=machao.id,
            started_at=clock.now(),
        )
        s.add(instance)
        s.flush()
        app.instance_id = instance.id
        engine.recompute_deadlines(s, instance, None)
    return app.id


def open_tasks(sessions, app_id: int) -> list[tuple[str, str]]:
    with sessions() as s:
        return [
            (t.task_key, t.unit.code) for t in tasks.case_tasks(s, "application", app_id) if t.status == TaskStatus.OPEN
        ]


def instance_status(sessions, app_id: int) -> InstanceStatus:
    with sessions() as s:
        return s.scalar(
            select(ProcessInstance.status)
            .join(Application, Application.instance_id == ProcessInstance.id)
            .where(Application.id == app_id)
        )


@pytest.fixture
def golden_day(demo_catalog):
    with at("2026-02-13T10:30:00"):
        yield demo_catalog


def test_a_stored_case_waiting_in_review_restores_and_is_approved_to_its_end(golden_day):
    app_id = restored(golden_day, "in_review")
    assert open_tasks(golden_day, app_id) == [("da_review", "gaj")]
    with golden_day() as s:
        assert integrity.check(s) == []
    decide(golden_day, app_id, decision="approve")
    assert status(golden_day, app_id) == ApplicationStatus.APPROVED
    assert instance_status(golden_day, app_id) == InstanceStatus.COMPLETED
    with golden_day() as s:
        assert grants.for_application(s, app_id).items == HOUSEHOLD["items"]
        assert integrity.check(s) == []


def test_a_stored_case_returned_for_more_information_is_resubmitted_and_rejected_to_its_end(golden_day):
    app_id = restored(golden_day, "returned")
    assert open_tasks(golden_day, app_id) == [("da_resubmit", "mzj")]
    with golden_day.begin() as s:
        task_id = s.scalar(
            select(HumanTask.id)
            .join(Application, Application.instance_id == HumanTask.instance_id)
            .where(Application.id == app_id, HumanTask.status == TaskStatus.OPEN)
        )
        tasks.complete(s, person(s, "machao"), task_id, {"resubmit_note": "已补充低保申请受理通知书扫描件"})
    assert status(golden_day, app_id) == ApplicationStatus.IN_REVIEW
    assert review_task(golden_day, app_id).unit.code == "gaj"
    decide(
        golden_day,
        app_id,
        decision="reject",
        rejection_category="scope_exceeds",
        reason="申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码",
    )
    assert status(golden_day, app_id) == ApplicationStatus.REJECTED
    assert instance_status(golden_day, app_id) == InstanceStatus.COMPLETED
    with golden_day() as s:
        assert grants.for_application(s, app_id) is None and integrity.check(s) == []
