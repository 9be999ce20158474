"""The steps of an objection, as the task handlers bootstrap lists: triage, transfer, answers, decision, rating."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit, clock, reasons
from workflows.errors import FieldProblem, ValidationFailed
from workflows.models import HumanTask, Person, Unit
from workflows.models.objections import (
    AnswerStance,
    Objection,
    ObjectionAnswer,
    ObjectionOutcome,
    ObjectionStatus,
)
from workflows.objections import cases, effects, records
from workflows.objections.process import ANSWERS, MAX_RESPONDERS, RAISER_TASKS


def _objection(session: Session, task: HumanTask) -> Objection:
    return session.get(Objection, int(task.instance.subject_id))


def set_status(session: Session, actor_id: int | None, objection: Objection, status: ObjectionStatus,
               **extra) -> None:
    before = objection.status.value if objection.status else None
    objection.status = status
    audit.record(session, actor_id, "objection", objection.id, f"objection:{status.value}", {"status": before},
                 {"status": status.value} | extra)


NOT_ACCEPTED_HINT = "请写明具体内容：为什么不予受理，例如不属于受理范围、已在何处办结、依据哪项规定"
DECISION_HINT = "请写明具体内容：认定的事实、依据的规定，以及所涉单位应当如何处理"
ANSWER_HINT = "请写明具体内容：本单位是否认可、理由和将如何处理"


def _specific(field: str, text: str, what: str, hint: str = DECISION_HINT) -> None:
    """The rule for reasons shared with the application review (R17): specific, not a stock phrase."""
    if problem := reasons.reason_problem(text, what, hint=hint):
        raise ValidationFailed([FieldProblem(field, f"{what}：{problem}")], f"{what}必须写明具体理由，未提交")


def reason_check(reason: str, data: dict) -> str | None:
    """The triage form's x-check "objection_reason": a refusal to accept says why, in the words of an objection."""
    if data.get("decision") == "reject":
        return reasons.reason_problem(reason, "不予受理的理由", hint=NOT_ACCEPTED_HINT)
    return None


def triaged(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    objection = _objection(session, task)
    decision = data["decision"]
    if decision == "accept":
        objection.accepted_at = clock.now()
        set_status(session, actor.id, objection, ObjectionStatus.ACCEPTED)
        cases.notify_raiser(session, objection, "县大数据局已受理，将转办有关单位答复")
    elif decision == "reject":
        _specific("reason", data.get("reason") or "", "不予受理的理由", NOT_ACCEPTED_HINT)
        objection.not_accepted_reason, objection.closed_at = data["reason"].strip(), clock.now()
        set_status(session, actor.id, objection, ObjectionStatus.NOT_ACCEPTED, reason=objection.not_accepted_reason)
        cases.notify_raiser(session, objection, "不予受理", f"理由：{objection.not_accepted_reason}")
    else:
        if objection.info_request:
            raise ValidationFailed([FieldProblem("decision", "审查意见：已经要求补充过一次材料（一次性告知），"
                                                             "不能再次要求补充，请受理或不予受理")])
        objection.info_request = data["info_request"].strip()
        set_status(session, actor.id, objection, ObjectionStatus.AWAITING_INFO, info_request=objection.info_request)
    return data


def supplemented(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    objection = _objection(session, task)
    objection.supplement = data["supplement"].strip()
    set_status(session, actor.id, objection, ObjectionStatus.SUBMITTED, supplement=objection.supplement)
    return data


def transferred(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    objection = _objection(session, task)
    ids = []
    for value in data.get("responding_unit_ids") or []:
        unit_id = int(value) if str(value).isdigit() else 0
        if session.get(Unit, unit_id) is None:
            raise ValidationFailed([FieldProblem("responding_unit_ids", f"答复单位：“{value}”不存在")])
        if unit_id not in ids:
            ids.append(unit_id)
    if not 1 <= len(ids) <= MAX_RESPONDERS:
        raise ValidationFailed([FieldProblem("responding_unit_ids", f"答复单位：请选择1至{MAX_RESPONDERS}个单位")])
    objection.responding_unit_ids = ids
    set_status(session, actor.id, objection, ObjectionStatus.TRANSFERRED, responding_unit_ids=ids,
               note=data.get("transfer_note") or "")
    cases.notify_raiser(session, objection, "已转办有关单位，各单位自转办起5个工作日内答复")
    padded = ids + [0] * (MAX_RESPONDERS - len(ids))
    return data | {f"responding_unit_{n}": unit_id for n, unit_id in enumerate(padded, start=1)}


def answered(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """A unit's answer says something: "同意同意" or a bare "同意" is refused as everywhere else (R17)."""
    objection = _objection(session, task)
    if problem := reasons.reason_problem(data.get("position"), "答复意见", minimum=3, hint=ANSWER_HINT):
        raise ValidationFailed([FieldProblem("position", f"答复意见：{problem}")], "答复意见必须写明具体内容，未提交")
    answer = ObjectionAnswer(objection_id=objection.id, unit_id=task.unit_id, stance=AnswerStance(data["stance"]),
                             position=data["position"].strip(), evidence=(data.get("evidence") or "").strip(),
                             answered_by_id=actor.id, answered_at=clock.now(), late=task.is_overdue(clock.now()))
    session.add(answer)
    audit.record(session, actor.id, "objection", objection.id, "objection:answered", None,
                 {"unit_id": task.unit_id, "stance": answer.stance.value, "late": answer.late})
    return data


def decided(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    objection = _objection(session, task)
    if data["resolution"] == "coordinate":
        set_status(session, actor.id, objection, ObjectionStatus.COORDINATING)
        cases.notify_raiser(session, objection, "各方意见不一致，县大数据局将组织协调")
        return data | {"needs_correction": False}
    if (data.get("opinion") or "").strip().__len__() < 4:
        raise ValidationFailed([FieldProblem("opinion", "处理意见：请写明结论和理由")])
    return data | _close(session, actor, objection, ObjectionOutcome(data["outcome"]), data)


def coordinated(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    objection = _objection(session, task)
    _specific("opinion", data.get("opinion") or "", "决定及理由")
    cases.check_day("meeting_date", "协调日期", data["meeting_date"], objection.created_at)
    objection.coordination = {"meeting_date": data["meeting_date"], "participants": data["participants"].strip(),
                              "minutes": data["minutes"].strip()}
    audit.record(session, actor.id, "objection", objection.id, "objection:coordinated", None,
                 objection.coordination | {"result": data["coordination_result"]})
    if data["coordination_result"] == "refer":
        objection.opinion = data["opinion"].strip()
        return data | {"needs_correction": False}
    return data | _close(session, actor, objection, ObjectionOutcome(data["coordination_result"]), data)


def _close(session: Session, actor: Person, objection: Objection, outcome: ObjectionOutcome, data: dict) -> dict:
    """Record the decision, act on what the objection concerns, lift the flag; tell the raiser. A decision that
    orders a correction leaves the objection 纠错中 until the unit concerned has corrected (then it is 办结)."""
    objection.outcome, objection.opinion, objection.closed_at = outcome, data["opinion"].strip(), clock.now()
    extra = effects.act(session, actor, objection, data) if outcome == ObjectionOutcome.UPHELD else {}
    correcting = bool(extra.get("needs_correction"))
    set_status(session, actor.id, objection, ObjectionStatus.CORRECTING if correcting else ObjectionStatus.CLOSED,
               outcome=outcome.value, opinion=objection.opinion, effect=objection.effect)
    if correcting:
        cases.notify_raiser(session, objection, f"{outcome.label}，待所涉单位纠正后办结",
                            f"处理意见：{objection.opinion}\n处理：{objection.effect}")
    else:
        cases.notify_raiser(session, objection, outcome.label, f"处理意见：{objection.opinion}"
                            + (f"\n处理：{objection.effect}" if objection.effect else ""))
    return {"needs_correction": False} | extra


def referred(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    objection = _objection(session, task)
    objection.referral_document = data["referral_document"].strip()
    objection.referred_on = cases.check_day("referred_on", "提请日期", data["referred_on"], objection.created_at)
    meeting = (objection.coordination or {}).get("meeting_date")
    if meeting and objection.referred_on.isoformat() < meeting:
        raise ValidationFailed([FieldProblem("referred_on", f"提请日期：{objection.referred_on} 早于协调日期 {meeting}，"
                                                            "协调不成后才能提请，请核对")])
    objection.outcome, objection.closed_at = ObjectionOutcome.REFERRED, clock.now()
    set_status(session, actor.id, objection, ObjectionStatus.REFERRED, referred_on=data["referred_on"])
    cases.notify_raiser(session, objection, "协调不成，已提请县政府数据共享工作领导小组研究")
    return data


def corrected(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """The correction done, the objection is 办结: its record is fixed once this step is completed."""
    objection = _objection(session, task)
    effects.complete_correction(session, actor, objection, data, task.is_overdue(clock.now()))
    set_status(session, actor.id, objection, ObjectionStatus.CLOSED)
    return data


def rated(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    objection = _objection(session, task)
    objection.rating, objection.rated_at = int(data["rating"]), clock.now()
    objection.rating_comment = (data.get("rating_comment") or "").strip()
    set_status(session, actor.id, objection, ObjectionStatus.RATED, rating=objection.rating)
    return data


def task_opened(session: Session, event: str, task: HumanTask) -> None:
    """The raiser's steps (补充材料, 评价) belong to the person who raised the objection, nobody else in the unit."""
    if task.task_key not in RAISER_TASKS or task.instance.subject_type != "objection":
        return
    objection = session.get(Objection, int(task.instance.subject_id))
    task.assignee_id = objection.raiser_id
    audit.record(session, None, "task", task.id, "task:assigned", {"assignee_id": None},
                 {"assignee_id": objection.raiser_id})


def open_answers(session: Session, objection: Objection) -> list[HumanTask]:
    return list(session.scalars(select(HumanTask).where(HumanTask.instance_id == objection.instance_id,
                                                        HumanTask.task_key.in_(ANSWERS))))


def responding_units(session: Session, task: HumanTask) -> list[tuple[str, str]]:
    """The transfer form's choices: every active unit, the one raised against first."""
    objection = _objection(session, task)
    units = list(session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id)))
    units.sort(key=lambda u: u.id != objection.concerned_unit_id)
    return [(str(u.id), u.name) for u in units]


def task_completed(session: Session, event: str, task: HumanTask) -> None:
    """Once the closing step is done, the record's content and hash are fixed (not by later steps like rating)."""
    if task.instance.subject_type != "objection":
        return
    objection = session.get(Objection, int(task.instance.subject_id))
    if objection.status in records.CLOSING:
        records.close(session, objection)
