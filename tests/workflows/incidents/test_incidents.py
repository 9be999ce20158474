"""Security incidents are recorded against the using unit, reach its 第一责任人 and the provider, change status with a
note in the audit trail, and are counted for 考核."""

from datetime import date, datetime

import pytest
import time_machine

from tests.helpers import SH, apply, decide, person
from tests.workflows.objections.helpers import answered_usage_dispute, step
from workflows.errors import Forbidden, ValidationFailed
from workflows.incidents import service
from workflows.models import AuditEvent, Incident, IncidentSource, IncidentStatus, Notification, Objection
from workflows.sharing import grants

LEAK = {
    "occurred_on": "2026-02-20",
    "account": "社会救助股一名经办人将核对结果表格发到了工作微信群，群内有非本单位人员",
    "data_affected": "姓名、公民身份号码，约 40 条",
    "measures": "已要求撤回并删除聊天记录，对经办人进行约谈",
}


@pytest.fixture
def granted(ready):
    """县民政局 holds an approved grant on 县公安局's 户籍人口基本信息: (grant id, grantee unit id)."""
    with time_machine.travel(datetime(2026, 2, 24, 9, 0, tzinfo=SH), tick=False):
        app_id = apply(ready)
        decide(ready, app_id, decision="approve")
    with ready() as s:
        grant = grants.for_application(s, app_id)
        return grant.id, grant.unit_id


def _inbox(session, username: str) -> list[str]:
    return [n.subject for n in session.query(Notification).filter_by(person_id=person(session, username).id)]


@time_machine.travel(datetime(2026, 2, 25, 9, 0, tzinfo=SH), tick=False)
def test_an_incident_recorded_by_hand_reaches_the_grantees_first_responsible_and_the_provider(ready, granted):
    grant_id, unit_id = granted
    with ready.begin() as s:
        incident = service.record_incident(s, person(s, "sunjie"), LEAK | {"grant_id": grant_id})
        incident_id = incident.id
    with ready() as s:
        incident = s.get(Incident, incident_id)
        assert incident.unit_id == unit_id and incident.status == IncidentStatus.HANDLING
        assert incident.source == IncidentSource.MANUAL and incident.recorded_by.username == "sunjie"
        for told in ("wugang", "yangjun", "huangtao"):  # 民政局's 第一责任人; 公安局's 第一责任人 and 目录管理员
            assert any("【安全事件】县民政局" in subject for subject in _inbox(s, told)), told
        assert not any("安全事件" in subject for subject in _inbox(s, "machao"))
        event = s.query(AuditEvent).filter_by(subject_type="incident", action="incident:recorded").one()
        assert event.after["status"] == "handling" and event.unit_id == unit_id


@time_machine.travel(datetime(2026, 2, 25, 9, 0, tzinfo=SH), tick=False)
def test_a_unit_admin_records_only_for_its_own_unit_and_a_coordinator_for_any(ready, granted):
    grant_id, unit_id = granted
    with ready.begin() as s:
        with pytest.raises(Forbidden):
            service.record_incident(s, person(s, "huangtao"), LEAK | {"unit_id": unit_id})
        with pytest.raises(Forbidden):
            service.record_incident(s, person(s, "machao"), LEAK | {"unit_id": unit_id})
        assert service.record_incident(s, person(s, "lina"), LEAK | {"unit_id": unit_id}).grant_id is None


@time_machine.travel(datetime(2026, 2, 25, 9, 0, tzinfo=SH), tick=False)
def test_each_change_of_status_is_audited_with_its_note_and_told(ready, granted):
    grant_id, _ = granted
    with ready.begin() as s:
        incident_id = service.record_incident(s, person(s, "sunjie"), LEAK | {"grant_id": grant_id}).id
    with ready.begin() as s:
        with pytest.raises(ValidationFailed) as refused:
            service.change_status(s, person(s, "sunjie"), incident_id, {"status": "handled", "note": "好"})
        assert refused.value.fields["note"].startswith("说明：请写明处置进展")
        service.change_status(s, person(s, "sunjie"), incident_id, {"status": "handled", "note": "已删除全部副本"})
    with ready.begin() as s:
        with pytest.raises(Forbidden):
            service.change_status(s, person(s, "huangtao"), incident_id, {"status": "closed", "note": "提供单位结案"})
        service.change_status(s, person(s, "lina"), incident_id, {"status": "closed", "note": "经核查处置到位，结案"})
    with ready() as s:
        steps = service.history(s, incident_id)
        assert [(x.status, x.note) for x in steps] == [
            ("处置中", "登记"),
            ("已处置", "已删除全部副本"),
            ("已结案", "经核查处置到位，结案"),
        ]
        assert any("已处置 → 已结案" in subject for subject in _inbox(s, "wugang"))


def test_an_upheld_usage_objection_creates_an_incident_on_the_grant(ready):
    _, grant_id, objection_id = answered_usage_dispute(ready)
    decision = {
        "resolution": "agreed",
        "outcome": "upheld",
        "opinion": "超出申请的应用场景使用数据，违反谁使用谁负责的要求",
        "grant_action": "keep",
        "incident": True,
    }
    step(ready, objection_id, "ob_decide", "lina", decision)
    with ready() as s:
        incident = s.query(Incident).one()
        assert incident.grant_id == grant_id and incident.objection_id == objection_id
        assert incident.source == IncidentSource.OBJECTION and incident.recorded_by.username == "lina"
        assert "违反谁使用谁负责的要求" in incident.account
        assert "安全事件" in s.get(Objection, objection_id).effect
        assert any("【安全事件】" in subject for subject in _inbox(s, "wugang"))


@time_machine.travel(datetime(2026, 2, 25, 9, 0, tzinfo=SH), tick=False)
def test_incidents_are_counted_per_unit_and_period_for_the_scorecard(ready, granted):
    grant_id, unit_id = granted
    with ready.begin() as s:
        sunjie = person(s, "sunjie")
        first = service.record_incident(s, sunjie, LEAK | {"grant_id": grant_id})
        service.record_incident(s, sunjie, LEAK | {"occurred_on": "2026-01-05", "unit_id": unit_id})
        service.change_status(s, sunjie, first.id, {"status": "handled", "note": "已删除全部副本"})
    with ready() as s:
        february = service.incident_counts(s, unit_id, date(2026, 2, 1), date(2026, 2, 28))
        assert february == {"handling": 0, "handled": 1, "closed": 0, "total": 1}
        assert service.incident_counts(s, unit_id, date(2026, 1, 1), date(2026, 2, 28))["total"] == 2
        assert service.open_counts_by_unit(s) == {unit_id: 1}
