"""An objection concerns one object: several named must belong together, and an upheld one acts on what is shown."""

import pytest

from tests.helpers import apply, decide, person
from tests.workflows.objections.helpers import accept_and_transfer, raise_, rejected_application, state, step
from workflows import case_names
from workflows.errors import ValidationFailed
from workflows.models import Application, Grant, GrantStatus
from workflows.objections import cases
from workflows.sharing import grants

USAGE = {
    "type": "usage_dispute",
    "facts": "县民政局将户籍数据用于招商统计，超出申请的应用场景",
    "request": "请撤销授权",
}


def _numbers(sessions, *app_ids: int) -> list[str]:
    with sessions() as s:
        return [s.get(Application, i).number for i in app_ids]


def test_a_grant_and_an_application_that_do_not_belong_together_are_refused_and_nothing_is_revoked(ready):
    granted = apply(ready)
    decide(ready, granted, decision="approve")
    other = rejected_application(ready)
    with ready() as s:
        grant_id = grants.for_application(s, granted).id
    number, other_number = _numbers(ready, granted, other)
    with pytest.raises(ValidationFailed) as refused, ready.begin() as s:
        cases.raise_objection(s, person(s, "huangtao"), USAGE | {"grant_id": grant_id, "application_id": other})
    message = " ".join(refused.value.details)
    assert f"{number}「户籍人口基本信息」" in message and f"不是申请 {other_number} 的授权" in message
    assert "一件异议只涉及一个对象" in message
    with ready() as s:
        assert s.get(Grant, grant_id).status == GrantStatus.ACTIVE


def test_the_grant_of_that_application_is_accepted_and_the_upheld_objection_revokes_that_grant_only(ready):
    first, second = apply(ready), apply(ready)
    decide(ready, first, decision="approve")
    decide(ready, second, decision="approve")
    with ready() as s:
        first_grant, second_grant = grants.for_application(s, first).id, grants.for_application(s, second).id
    objection_id = raise_(ready, "huangtao", **USAGE, grant_number=_numbers(ready, second)[0], application_id=second)
    assert (state(ready, objection_id).grant_id, state(ready, objection_id).application_id) == (second_grant, None)
    accept_and_transfer(ready, objection_id, "mzj")
    step(
        ready,
        objection_id,
        "ob_answer_1",
        "sunjie",
        {"stance": "agree", "position": "经自查确有超出场景使用，接受处理"},
    )
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {
            "resolution": "agreed",
            "outcome": "upheld",
            "grant_action": "revoke",
            "opinion": "经核实超出申请的应用场景，撤销该授权",
        },
    )
    with ready() as s:
        assert s.get(Grant, second_grant).status == GrantStatus.REVOKED
        assert s.get(Grant, first_grant).status == GrantStatus.ACTIVE


def test_the_application_is_named_by_its_number_and_an_internal_id_typed_as_a_number_is_explained(ready):
    app_id = rejected_application(ready)
    number = _numbers(ready, app_id)[0]
    objection_id = raise_(ready, application_number=number.lower())
    assert state(ready, objection_id).application_id == app_id
    with pytest.raises(ValidationFailed) as refused, ready.begin() as s:
        cases.raise_objection(
            s,
            person(s, "machao"),
            {"type": "application_dispute", "facts": "x" * 20, "request": "请协调", "application_number": str(app_id)},
        )
    assert f"“{app_id}”不是本单位申请或审核的申请编号（如 SQ2026000001）" in " ".join(refused.value.details)


def test_an_entry_that_is_not_the_applications_entry_is_refused(ready):
    app_id = rejected_application(ready)
    with pytest.raises(ValidationFailed) as refused, ready.begin() as s:
        cases.raise_objection(
            s,
            person(s, "machao"),
            {
                "type": "catalog_correction",
                "facts": "x" * 20,
                "request": "请更正",
                "resource_code": "XY-MZ-001",
                "application_id": app_id,
            },
        )
    assert "目录条目 XY-MZ-001 不是申请" in " ".join(refused.value.details)


def test_two_objections_of_one_unit_are_told_apart_by_what_they_concern(ready):
    app_id = rejected_application(ready)
    number = _numbers(ready, app_id)[0]
    first = raise_(ready, application_id=app_id)
    second = raise_(ready, type="catalog_correction", resource_code="XY-GA-001", request="请更正")
    with ready() as s:
        names = case_names.by_subject(s, "objection", {first, second})
    assert names[first] == f"YY2026{first:06d} 县民政局对 {number}「户籍人口基本信息」提出资源申请异议"
    assert names[second] == f"YY2026{second:06d} 县民政局对 XY-GA-001「户籍人口基本信息」提出数据目录纠错"
