"""常用意见: a text over the limit is refused naming the limit, never cut; the same text is not kept twice."""

import pytest

from tests.helpers import person, unit
from workflows.errors import ValidationFailed
from workflows.models import OpinionTemplate
from workflows.sharing import opinions


def test_an_opinion_longer_than_the_limit_is_refused_with_the_limit_and_nothing_is_kept(processes, demo_catalog):
    with processes.begin() as s, pytest.raises(ValidationFailed) as caught:
        opinions.add(s, person(s, "sunhong"), "请补充材料" * 120)
    assert "不能超过 500 个字（现有 600 个字）" in caught.value.details[0]
    with processes() as s:
        assert s.query(OpinionTemplate).count() == 0


def test_the_same_personal_opinion_twice_is_refused_and_the_first_stays(processes, demo_catalog):
    with processes.begin() as s:
        opinions.add(s, person(s, "sunhong"), "请补充低保申请受理通知书扫描件")
    with processes.begin() as s, pytest.raises(ValidationFailed) as caught:
        opinions.add(s, person(s, "sunhong"), "  请补充低保申请 受理通知书扫描件 ")
    assert "您的常用意见中已有相同的一条，未重复保存" in caught.value.details[0]
    with processes() as s:
        assert [o.text for o in opinions.for_person(s, person(s, "sunhong"))] == ["请补充低保申请受理通知书扫描件"]


def test_a_personal_opinion_the_unit_already_shares_is_refused_naming_the_unit_list(processes, demo_catalog):
    with processes.begin() as s:
        opinions.add(s, person(s, "huangtao"), "申请信息项超出所述应用场景的履职需要", unit(s, "gaj").id)
    with processes.begin() as s, pytest.raises(ValidationFailed) as caught:
        opinions.add(s, person(s, "sunhong"), "申请信息项超出所述应用场景的履职需要")
    assert "单位常用意见中已有相同的一条" in caught.value.details[0]
