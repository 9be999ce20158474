"""The steps of an objection, as the task handlers bootstrap lists: triage, transfer, answers, decision, rating."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflows import audit, clock, engine, reasons
from workflows.errors import FieldProblem, ValidationFailed
from workflows.models import HumanTask, InstanceStatus, Person, Unit, UnitKind
from workflows.models.objections import (
    AnswerStance,
    FilePurpose,
    Objection,
    ObjectionAnswer,
    ObjectionOutcome,
    ObjectionStatus,
)
from workflows.objections import cases, effects, integrity, records
from workflows.sharing import uploads
from workflows.objections.process import ANSWERS, MAX_RESPONDERS, RAISER_TASKS


def _objection(session: Session, task: HumanTask) -> Objection:
    return session.get(Objection, int(task.instance.subject_id))


def set_status(session: Session, actor_id: int | None, objection: Objection, status: ObjectionStatus, **extra) -> None:
    before = objection.status.value if objection.status else None
    objection.status = status
    audit.record(
        session,
        actor_id,
        "objection",
        objection.id,
        f"objection:{status.value}",
        {"status": before},
        {"status": status.value} | extra,
    )


NOT_ACCEPTED_HINT = "请写明具体内容：为什么不予受理，例如不属于受理范围、已在何处办结、依据哪项规定"
DECISION_HINT = "请写明具体内容：认定的事实、依据的规定，以及所涉单位应当如何处理"
REFER_HINT = "请写明为什么提请县政府：各方在哪一点上意见不一致、涉及哪项职责或规定"
ANSWER_HINT = "请写明具体内容：本单位是否认可、理由和将如何处理"


def _specific(field: str, text: str, what: str, hint: str = DECISION_HINT) -> None:
    """The rule for reasons shared with the application review (R17): specific, not a stock phrase."""
    if problem := reasons.reason_problem(text, what, hint=hint):
        raise ValidationFailed([FieldProblem(field, f"{what}：{problem}")], f"{what}必须写明具体理由，未提交")


def decision_check(opinion: str, data: dict) -> str | None:
    """The x-check "decision_opinion" of the coordinator's 决定及理由: specific, checked with the rest of the form."""
    return reasons.reason_problem(opinion, "决定及理由", hint=DECISION_HINT)


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
            raise ValidationFailed(
                [
                    FieldProblem(
                        "decision",
                        "审查意见：已经要求补充过一次材料（一次性告知），" "不能再次要求补充，请受理或不予受理",
                    )
                ]
            )
        if problems := reasons.list_problems(data.get("info_request"), "需补充的材料"):
            raise ValidationFailed(
                [FieldProblem("info_request", f"需补充的材料：{p}") for p in problems],
                "一次性告知须逐项写明需要补充的材料，未提交",
            )
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
        unit = session.get(Unit, unit_id)
        if unit is None:
            raise ValidationFailed([FieldProblem("responding_unit_ids", f"答复单位：“{value}”不存在")])
        if not _may_answer(objection, unit):
            raise ValidationFailed(
                [
                    FieldProblem(
                        "responding_unit_ids",
                        f"答复单位：{unit.name}负责处理异议，" "不作为答复单位；请选择被提出异议的单位和其他有关单位",
                    )
                ]
            )
        if unit_id not in ids:
            ids.append(unit_id)
    if not 1 <= len(ids) <= MAX_RESPONDERS:
        raise ValidationFailed([FieldProblem("responding_unit_ids", f"答复单位：请选择1至{MAX_RESPONDERS}个单位")])
    if objection.concerned_unit_id and objection.concerned_unit_id not in ids:
        raise ValidationFailed(
            [
                FieldProblem(
                    "responding_unit_ids",
                    f"答复单位：须包括所涉单位（{objection.concerned_unit.name}）。"
                    "异议针对该单位，应由该单位答复；可再选其他有关单位",
                )
            ],
            "所涉单位未列为答复单位，未提交",
        )
    objection.responding_unit_ids = ids
    set_status(
        session,
        actor.id,
        objection,
        ObjectionStatus.TRANSFERRED,
        responding_unit_ids=ids,
        note=data.get("transfer_note") or "",
    )
    days = engine.task_period(task.instance.process_version, ANSWERS[0])
    cases.notify_raiser(
        session, objection, "已转办有关单位" + (f"，各单位自转办起{days}个工作日内答复" if days else "")
    )
    padded = ids + [0] * (MAX_RESPONDERS - len(ids))
    return data | {f"responding_unit_{n}": unit_id for n, unit_id in enumerate(padded, start=1)}


def answered(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """A unit's answer says something: "同意同意" or a bare "同意" is refused as everywhere else (R17)."""
    objection = _objection(session, task)
    if problem := reasons.reason_problem(data.get("position"), "答复意见", minimum=3, hint=ANSWER_HINT):
        raise ValidationFailed([FieldProblem("position", f"答复意见：{problem}")], "答复意见必须写明具体内容，未提交")
    answer = ObjectionAnswer(
        objection_id=objection.id,
        unit_id=task.unit_id,
        stance=AnswerStance(data["stance"]),
        position=data["position"].strip(),
        evidence=(data.get("evidence") or "").strip(),
        answered_by_id=actor.id,
        answered_at=clock.now(),
        late=task.is_overdue(clock.now()),
    )
    session.add(answer)
    audit.record(
        session,
        actor.id,
        "objection",
        objection.id,
        "objection:answered",
        None,
        {"unit_id": task.unit_id, "stance": answer.stance.value, "late": answer.late},
    )
    return data


def agreement_problem(objection: Objection, outcome: ObjectionOutcome) -> str | None:
    """意见一致 only when every responding unit's answer agrees with the recorded outcome (四(五): the bureau
    communicates and coordinates; it does not overrule a unit that disagrees)."""
    agreeing = AnswerStance.AGREE if outcome == ObjectionOutcome.UPHELD else AnswerStance.DISAGREE
    if objection.concerned_unit_id and objection.concerned_unit_id not in {a.unit_id for a in objection.answers}:
        return (
            f"各方意见：所涉单位（{objection.concerned_unit.name}）没有答复，不能记录为意见一致。"
            "请组织协调（听取该单位意见）或提请县政府数据共享工作领导小组"
        )
    others = [a for a in objection.answers if a.stance != agreeing]
    if not others:
        return None
    who = "、".join(f"{a.unit.name}答复“{a.stance.label}”" for a in others)
    return (
        f"各方意见：{who}，与处理结果“{outcome.label}”不一致，不能记录为意见一致。"
        "请选择“意见不一致，组织协调”或“提请县政府数据共享工作领导小组”"
    )


def decided(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """研究处理意见: record an outcome all sides agree on, or go on to coordination or referral (then nothing is
    recorded as decided: the form's other fields are dropped, not kept half-filled)."""
    objection = _objection(session, task)
    resolution = data["resolution"]
    if resolution == "coordinate":
        set_status(session, actor.id, objection, ObjectionStatus.COORDINATING)
        cases.notify_raiser(session, objection, "各方意见不一致，县大数据局将组织协调")
        return {"resolution": resolution, "needs_correction": False}
    if resolution == "refer":  # why it goes to the county government is said here; the document follows
        _specific("opinion", data.get("opinion") or "", "提请理由", REFER_HINT)
        return {"resolution": resolution, "opinion": data["opinion"].strip(), "needs_correction": False}
    outcome = ObjectionOutcome(data["outcome"])
    if problem := agreement_problem(objection, outcome):
        raise ValidationFailed([FieldProblem("resolution", problem)], "各方意见不一致，未提交")
    _specific("opinion", data.get("opinion") or "", "处理意见")
    return data | _close(session, actor, objection, outcome, data)


def coordinated(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    objection = _objection(session, task)
    _specific("opinion", data.get("opinion") or "", "决定及理由")
    cases.check_day("meeting_date", "协调日期", data["meeting_date"], objection.created_at)
    objection.coordination = {
        "meeting_date": data["meeting_date"],
        "participants": data["participants"].strip(),
        "minutes": data["minutes"].strip(),
    }
    audit.record(
        session,
        actor.id,
        "objection",
        objection.id,
        "objection:coordinated",
        None,
        objection.coordination | {"result": data["coordination_result"]},
    )
    if data["coordination_result"] == "refer":
        objection.opinion = data["opinion"].strip()
        return data | {"needs_correction": False}
    return data | _close(session, actor, objection, ObjectionOutcome(data["coordination_result"]), data)


def _close(
    session: Session,
    actor: Person,
    objection: Objection,
    outcome: ObjectionOutcome,
    data: dict,
    government: dict | None = None,
) -> dict:
    """Record the decision, act on what the objection concerns, lift the flag; tell the raiser. A decision that
    orders a correction leaves the objection 纠错中 until the unit concerned has corrected (then it is 办结)."""
    objection.outcome, objection.closed_at = outcome, clock.now()
    objection.opinion = _without_label(data["opinion"].strip(), outcome)
    upheld = outcome == ObjectionOutcome.UPHELD
    extra = effects.act(session, actor, objection, data, government) if upheld else {}
    correcting = bool(extra.get("needs_correction"))
    set_status(
        session,
        actor.id,
        objection,
        ObjectionStatus.CORRECTING if correcting else ObjectionStatus.CLOSED,
        outcome=outcome.value,
        opinion=objection.opinion,
        effect=objection.effect,
    )
    detail = f"处理意见：{objection.opinion}" + (f"\n处理：{objection.effect}" if objection.effect else "")
    cases.notify_raiser(
        session, objection, f"{outcome.label}，待所涉单位纠正后办结" if correcting else outcome.label, detail
    )
    return {"needs_correction": False} | extra


def _without_label(opinion: str, outcome: ObjectionOutcome) -> str:
    """The opinion as the reason, without the outcome's own words in front ("异议成立：…"): pages, records and notices
    put the outcome beside it already, so it is said once."""
    for prefix in (f"{outcome.label}，", f"{outcome.label}：", f"{outcome.label}:", f"{outcome.label}。"):
        if opinion.startswith(prefix) and len(opinion) > len(prefix):
            return opinion[len(prefix) :].strip()
    return opinion


def referred(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """提请县政府: the case waits for the county government's decision, which the coordinator records next."""
    objection = _objection(session, task)
    objection.referral_document = data["referral_document"].strip()
    objection.referred_on = cases.check_day("referred_on", "提请日期", data["referred_on"], objection.created_at)
    meeting = (objection.coordination or {}).get("meeting_date")
    if meeting and objection.referred_on.isoformat() < meeting:
        raise ValidationFailed(
            [
                FieldProblem(
                    "referred_on",
                    f"提请日期：{objection.referred_on} 早于协调日期 {meeting}，" "协调不成后才能提请，请核对",
                )
            ]
        )
    objection.outcome = ObjectionOutcome.REFERRED
    set_status(session, actor.id, objection, ObjectionStatus.REFERRED, referred_on=data["referred_on"])
    cases.notify_raiser(
        session, objection, "已提请县政府数据共享工作领导小组研究", "县政府作出决定后，县大数据局将记录决定并按决定办理"
    )
    return data


def government_decided(session: Session, actor: Person, task: HumanTask, data: dict) -> dict:
    """The county government decided a referral: the coordinator records its document and acts on it. Where it
    upholds an application dispute, the provider reviews again with the decision before it (the provider still
    decides: approves, or answers why it cannot, which comes back to the bureau)."""
    objection = _objection(session, task)
    kept = uploads.pending(session, actor, data.get("government_file") or [])
    for row in kept:
        cases.store_file(
            session, actor, objection, row.filename, row.content_type, row.data, FilePurpose.GOVERNMENT_DECISION
        )
        session.delete(row)
    if not any(f.purpose == FilePurpose.GOVERNMENT_DECISION for f in objection.files):
        raise ValidationFailed(
            [FieldProblem("government_file", "县政府决定文件：请选择县政府决定文件（PDF 或图片）后一并提交")],
            "缺少县政府决定文件，未提交",
        )
    data = data | {"government_file": [row.filename for row in kept]}
    earliest = clock.start_of_day(objection.referred_on) if objection.referred_on else objection.created_at
    decided_on = cases.check_day("government_decided_on", "决定日期", data["government_decided_on"], earliest, "提请")
    outcome = ObjectionOutcome(data["government_outcome"])
    decision = {
        "number": data["government_number"].strip(),
        "decided_on": decided_on.isoformat(),
        "content": data["government_content"].strip(),
        "outcome": outcome.value,
    }
    objection.government_decision = decision
    audit.record(session, actor.id, "objection", objection.id, "objection:government_decided", None, decision)
    opinion = f"依据县政府决定（{decision['number']}，{decision['decided_on']}）"
    return data | _close(session, actor, objection, outcome, data | {"opinion": opinion}, decision)


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
    audit.record(
        session, None, "task", task.id, "task:assigned", {"assignee_id": None}, {"assignee_id": objection.raiser_id}
    )


def open_answers(session: Session, objection: Objection) -> list[HumanTask]:
    return list(
        session.scalars(
            select(HumanTask).where(HumanTask.instance_id == objection.instance_id, HumanTask.task_key.in_(ANSWERS))
        )
    )


def transfer_initial(session: Session, task: HumanTask) -> dict:
    """转办答复单位 starts with the unit the objection is raised against ticked: it must answer."""
    objection = _objection(session, task)
    return {"responding_unit_ids": [str(objection.concerned_unit_id)]} if objection.concerned_unit_id else {}


def _may_answer(objection: Objection, unit: Unit) -> bool:
    """Who answers an objection: not the bureau that handles it, unless it is the unit raised against (the bureau
    keeps a catalog of its own). The raising unit may be asked, e.g. to state its need beside the provider."""
    return unit.id == objection.concerned_unit_id or (unit.active and unit.kind != UnitKind.COORDINATOR)


def responding_units(session: Session, task: HumanTask) -> list[tuple[str, str]]:
    """The transfer form's choices: the units that may answer, the one raised against first."""
    objection = _objection(session, task)
    units = [
        u
        for u in session.scalars(select(Unit).where(Unit.active.is_(True)).order_by(Unit.id))
        if _may_answer(objection, u)
    ]
    units.sort(key=lambda u: u.id != objection.concerned_unit_id)
    return [(str(u.id), u.name) for u in units]


def task_completed(session: Session, event: str, task: HumanTask) -> None:
    """Once the closing step is done, the record's content and hash are fixed (not by later steps like rating).

    A referral closes the case only on versions that ended there (before the county government's decision was
    recorded in the process); on later versions the case goes on to that decision."""
    if task.instance.subject_type != "objection":
        return
    objection = session.get(Objection, int(task.instance.subject_id))
    if objection.status == ObjectionStatus.REFERRED and task.instance.status != InstanceStatus.RUNNING:
        objection.closed_at = objection.closed_at or clock.now()
        records.close(session, objection)
    elif objection.status in records.CLOSING:
        records.close(session, objection)
    integrity.verify_objection(session, objection)
