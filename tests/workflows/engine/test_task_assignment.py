"""Reviewers claim, give back and hand over tasks within their unit and role."""

import pytest

from tests.helpers import apply, person, review_task
from workflows.engine import tasks
from workflows.errors import AlreadyHandled, Forbidden, ValidationFailed
from workflows.models import HumanTask, Notification
from workflows.supervision import reminders


@pytest.fixture
def waiting(ready):
    app_id = apply(ready)
    yield ready, review_task(ready, app_id).id


def test_a_claimed_task_can_only_be_completed_by_the_claimer(waiting):
    sessions, task_id = waiting
    with sessions.begin() as s:
        tasks.claim(s, person(s, "huangtao"), task_id)
    with sessions() as s, pytest.raises(Forbidden):
        tasks.complete(s, person(s, "sunhong"), task_id, {"decision": "approve"})
    with sessions() as s, pytest.raises(AlreadyHandled):
        tasks.claim(s, person(s, "sunhong"), task_id)
    with sessions.begin() as s:
        tasks.unclaim(s, person(s, "huangtao"), task_id)
    with sessions.begin() as s:
        tasks.complete(s, person(s, "sunhong"), task_id, {"decision": "approve"})


def test_a_task_is_delegated_to_a_colleague_with_the_same_role_who_is_notified(waiting):
    sessions, task_id = waiting
    with sessions() as s, pytest.raises(ValidationFailed):
        tasks.delegate(s, person(s, "huangtao"), task_id, "zhouli")  # 县公安局 applicant, not a reviewer
    with sessions() as s, pytest.raises(Forbidden):
        tasks.delegate(s, person(s, "sunjie"), task_id, "sunhong")  # reviewer of another unit
    with sessions.begin() as s:
        tasks.delegate(s, person(s, "huangtao"), task_id, "sunhong")
    with sessions() as s:
        assert (
            s.query(Notification)
            .filter(
                Notification.person_id == person(s, "sunhong").id, Notification.body.contains("黄涛将任务转交给您：")
            )
            .count()
            == 1
        )
    with sessions() as s, pytest.raises(Forbidden):
        tasks.complete(s, person(s, "huangtao"), task_id, {"decision": "approve"})
    with sessions.begin() as s:
        tasks.complete(s, person(s, "sunhong"), task_id, {"decision": "approve"})


def test_the_task_list_filters_by_resource_and_puts_overdue_first(waiting):
    sessions, task_id = waiting
    with sessions() as s:
        assert [t.id for t in tasks.open_tasks(s, person(s, "huangtao"), resource="户籍")] == [task_id]
        assert tasks.open_tasks(s, person(s, "huangtao"), resource="婚姻") == []


def test_the_modelers_sample_message_context_has_exactly_the_keys_a_real_task_message_gets(ready):
    """The properties panel renders the task templates with the sample: a key only one of them has breaks it."""
    task = review_task(ready, apply(ready))
    with ready() as s:
        assert set(reminders.context(s, s.get(HumanTask, task.id))) == set(reminders.SAMPLE_CONTEXT)
