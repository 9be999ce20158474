"""The bureau records 意见一致 only when every unit concerned agreed (四(五): it coordinates, it does not overrule)."""

from workflows.models import Unit
from workflows.models.objections import AnswerStance, Objection, ObjectionAnswer, ObjectionOutcome
from workflows.objections.handling import agreement_problem, decision_check, reason_check

POLICE = Unit(id=2, name="县公安局")
CIVIL = Unit(id=3, name="县民政局")


def objection(*answers: tuple[Unit, AnswerStance]) -> Objection:
    return Objection(
        concerned_unit_id=POLICE.id,
        concerned_unit=POLICE,
        answers=[ObjectionAnswer(unit_id=u.id, unit=u, stance=stance) for u, stance in answers],
    )


def test_upheld_with_every_answer_agreeing_is_agreement():
    assert agreement_problem(objection((POLICE, AnswerStance.AGREE)), ObjectionOutcome.UPHELD) is None


def test_a_concerned_unit_that_has_not_answered_is_no_agreement():
    problem = agreement_problem(objection((CIVIL, AnswerStance.AGREE)), ObjectionOutcome.UPHELD)
    assert "所涉单位（县公安局）没有答复" in problem


def test_a_unit_that_disagrees_with_the_outcome_is_named_and_the_bureau_is_told_to_coordinate():
    found = objection((POLICE, AnswerStance.DISAGREE), (CIVIL, AnswerStance.AGREE))
    problem = agreement_problem(found, ObjectionOutcome.UPHELD)
    assert "县公安局答复“不认可异议请求”" in problem and "县民政局" not in problem
    assert "组织协调" in problem


def test_not_upheld_agrees_with_units_that_disagreed_with_the_objection():
    found = objection((POLICE, AnswerStance.DISAGREE))
    assert agreement_problem(found, ObjectionOutcome.REJECTED) is None


def test_a_decision_or_a_refusal_to_accept_in_stock_words_is_refused_and_acceptance_needs_no_reason():
    assert decision_check("同意", {}) is not None
    assert reason_check("不予受理", {"decision": "reject"}) is not None
    assert reason_check("", {"decision": "accept"}) is None
