"""What was reviewed is what is granted; `flask check-integrity` names every kind of inconsistency an incident can leave."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from tests.helpers import HOUSEHOLD, apply, decide, person, review_task, status
from workflows.engine import tasks
from workflows.errors import Conflict, ValidationFailed
from workflows.models import (
    Application,
    ApplicationStatus,
    Grant,
    GrantStatus,
    HumanTask,
    InstanceStatus,
    ProcessInstance,
    Resource,
    ShareType,
    TaskStatus,
)
from workflows.sharing import applications, grants, integrity

RETURN = {"decision": "return", "reason": "请补充低保申请受理通知书扫描件，并说明核对对象范围"}
PENSIONS = "XY-RS-001"  # 县人社局's 养老保险参保信息, with the sensitive item 缴费基数


def resubmit(sessions, app_id, username="machao"):
    with sessions() as s:
        task_id = next(
            t.id
            for t in tasks.case_tasks(s, "application", app_id)
            if t.task_key == "da_resubmit" and t.status == TaskStatus.OPEN
        )
    with sessions.begin() as s:
        tasks.complete(
            s, person(s, username), task_id, {"answers": ["已上传受理通知书扫描件，核对对象为申请人家庭成员"]}
        )


def test_a_returned_application_cannot_be_switched_to_another_units_resource(ready):
    app_id = apply(ready)
    decide(ready, app_id, **RETURN)
    with ready() as s:
        items = [i.name for i in s.scalar(select(Resource).where(Resource.code == PENSIONS)).items]
    with ready.begin() as s, pytest.raises(ValidationFailed) as refused:
        applications.save_draft(
            s,
            person(s, "machao"),
            person(s, "machao").unit_id,
            HOUSEHOLD | {"resource_code": PENSIONS, "items": items},
            app_id,
        )
    assert "不能更换所申请的资源" in refused.value.details[0]
    resubmit(ready, app_id)
    decide(ready, app_id, decision="approve")
    with ready() as s:
        grant = grants.for_application(s, app_id)
        assert (
            grant.resource.code == "XY-GA-001"
            and grant.resource.provider_unit_id == s.get(Application, app_id).provider_unit_id
        )
        assert integrity.check(s) == []


def test_a_returned_application_keeps_its_items_texts_and_attachments_editable(ready):
    app_id = apply(ready)
    decide(ready, app_id, **RETURN)
    with ready.begin() as s:
        applications.save_draft(
            s,
            person(s, "machao"),
            person(s, "machao").unit_id,
            HOUSEHOLD | {"items": ["姓名", "户籍地址"], "scenario": "低保家庭户籍核对（补正后）"},
            app_id,
        )
    with ready() as s:
        assert s.get(Application, app_id).items == ["姓名", "户籍地址"]


def test_no_grant_is_made_when_the_entry_stopped_being_shared_during_the_review(ready):
    app_id = apply(ready)
    with ready.begin() as s:
        s.execute(update(Resource).where(Resource.code == "XY-GA-001").values(share_type=ShareType.NOT_SHARED))
    with pytest.raises(Conflict) as refused:
        decide(ready, app_id, decision="approve")
    assert "不能授权" in refused.value.message
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW
    assert review_task(ready, app_id).status == TaskStatus.OPEN
    with ready() as s:
        assert grants.for_application(s, app_id) is None


def _planted(sessions, plant) -> list[str]:
    with sessions.begin() as s:
        plant(s)
    with sessions() as s:
        return [str(p) for p in integrity.check(s)]


def _in_review(sessions) -> int:
    return apply(sessions)


def _approved(sessions) -> int:
    app_id = apply(sessions)
    decide(sessions, app_id, decision="approve")
    return app_id


def test_a_consistent_database_passes(ready):
    _in_review(ready)
    _approved(ready)
    with ready() as s:
        assert integrity.check(s) == []


def test_an_in_review_application_without_its_review_task_is_reported(ready):
    app_id = _in_review(ready)
    found = _planted(
        ready,
        lambda s: s.execute(
            update(HumanTask).where(HumanTask.task_key == "da_review").values(status=TaskStatus.CANCELLED)
        ),
    )
    assert any("待办审核任务为 0 个" in p for p in found)
    assert any("不一致" in p and "案件" in p for p in found)  # the stored state still has it ready
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW


def test_a_review_task_in_another_unit_is_reported(ready):
    _in_review(ready)
    found = _planted(
        ready,
        lambda s: s.execute(
            update(HumanTask).where(HumanTask.task_key == "da_review").values(unit_id=person(s, "sunjie").unit_id)
        ),
    )
    assert any("待办审核任务为 1 个" in p for p in found)


def test_an_approved_application_without_a_grant_is_reported(ready):
    _approved(ready)
    found = _planted(ready, lambda s: s.execute(Grant.__table__.delete()))
    assert any("已通过，但授权为 0 项" in p for p in found)


def test_a_grant_on_a_withdrawn_or_rejected_case_is_reported(ready):
    app_id = _approved(ready)
    found = _planted(
        ready,
        lambda s: s.execute(
            update(Application).where(Application.id == app_id).values(status=ApplicationStatus.WITHDRAWN)
        ),
    )
    assert any("已撤回”，却存在授权" in p for p in found)


def test_an_active_grant_on_a_not_shared_resource_is_reported(ready):
    _approved(ready)
    found = _planted(
        ready,
        lambda s: s.execute(
            update(Resource).where(Resource.code == "XY-GA-001").values(share_type=ShareType.NOT_SHARED)
        ),
    )
    assert any("不予共享或已停用，授权却仍有效" in p for p in found)


def test_a_grant_for_another_resource_than_the_one_applied_for_is_reported(ready):
    _approved(ready)
    found = _planted(
        ready,
        lambda s: s.execute(
            update(Grant).values(resource_id=s.scalar(select(Resource.id).where(Resource.code == PENSIONS)))
        ),
    )
    assert any("授权的单位或资源与申请不一致" in p for p in found)


def test_an_ended_case_with_open_tasks_is_reported(ready):
    _in_review(ready)
    found = _planted(ready, lambda s: s.execute(update(ProcessInstance).values(status=InstanceStatus.CANCELLED)))
    assert any("流程案件却已结束" in p for p in found) and any("流程已结束，却仍有 1 个待办任务" in p for p in found)


def test_the_command_lists_the_problems_and_exits_non_zero(app, ready):
    runner = app.test_cli_runner()
    clean = runner.invoke(args=["check-integrity"])
    assert clean.exit_code == 0 and "检查通过" in clean.output
    _approved(ready)
    with ready.begin() as s:
        s.execute(update(Grant).values(status=GrantStatus.ACTIVE))
        s.execute(update(Application).values(status=ApplicationStatus.REJECTED))
    broken = runner.invoke(args=["check-integrity"])
    assert broken.exit_code == 1
    assert "未通过”，却存在授权" in broken.output and "发现 1 处不一致" in broken.output
