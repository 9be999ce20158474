"""Specific rejection reasons by construction (R17, issue 18 item 5): each category asks for the fact that makes it
specific, so a sentence that fits every application — “该申请不符合本单位数据共享的有关规定要求” — no longer carries a
rejection in any category; the record, the applicant's notice and the application page state the fact."""

import subprocess

import pytest
from sqlalchemy import select

from tests.helpers import (
    GENERIC_REJECTION,
    HOUSEHOLD,
    REJECTION_FACTS,
    VAGUE_REJECTION,
    apply,
    decide,
    person,
    rejection_fact,
    status,
    unit,
)
from workflows import reasons
from workflows.errors import ValidationFailed
from workflows.models import Application, ApplicationStatus, Notification, Unit
from workflows.sharing import applications, pages, records, rejections

GENERIC, VAGUE, FACTS = GENERIC_REJECTION, VAGUE_REJECTION, REJECTION_FACTS


def test_the_stock_sentence_is_refused_as_boilerplate_and_a_vague_one_passes_that_check_on_its_own():
    assert "套话" in reasons.reason_problem(GENERIC)
    assert reasons.reason_problem(VAGUE) is None  # which is why each category asks for its fact


@pytest.mark.parametrize("category", list(FACTS))
def test_a_generic_rejection_is_refused_in_each_category_and_a_specific_one_accepted(ready, category):
    field, vague, specific, reason = FACTS[category]
    app_id = apply(ready)
    with pytest.raises(ValidationFailed) as missing:
        decide(ready, app_id, decision="reject", rejection_category=category, reason=VAGUE)
    assert set(missing.value.fields) == {field} and "时必填" in missing.value.fields[field]
    with pytest.raises(ValidationFailed) as generic:
        decide(
            ready,
            app_id,
            decision="reject",
            rejection_category=category,
            reason=VAGUE,
            **{field: rejection_fact(ready, field, vague)},
        )
    assert set(generic.value.fields) == {field} and "请" in generic.value.fields[field]
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW
    decide(
        ready,
        app_id,
        decision="reject",
        rejection_category=category,
        reason=reason,
        **{field: rejection_fact(ready, field, specific)},
    )
    assert status(ready, app_id) == ApplicationStatus.REJECTED


def test_other_needs_a_reason_that_names_something_of_this_application(ready):
    app_id = apply(ready)
    with pytest.raises(ValidationFailed) as refused:
        decide(ready, app_id, decision="reject", rejection_category="other", reason=VAGUE)
    assert "指明本申请的具体内容" in refused.value.fields["reason"] and "户籍地址" not in refused.value.message
    decide(
        ready,
        app_id,
        decision="reject",
        rejection_category="other",
        reason="本局正在迁移户籍系统，2026年6月30日前无法提供接口，请届时重新申请",
    )
    assert status(ready, app_id) == ApplicationStatus.REJECTED


@pytest.mark.parametrize(
    "text, named",
    [
        ("户籍地址信息项与低保核对无关", "户籍地址"),
        ("户籍人口基本信息正在治理，暂停共享", "户籍人口基本信息"),
        ("XY-GA-001 接口正在改造", "XY-GA-001"),
        ("{number} 与本单位另一件申请重复", "{number}"),
        ("所附低保受理通知书无公章，不能作为依据", "低保受理通知书.pdf"),
        ("接口将于2026年6月30日起停止服务，届时另行通知", "2026年6月30日"),
        ("接口将于 2026-06-30 起停止服务，届时另行通知", "2026-06-30"),
        ("家庭经济状况核对应由乡镇民政所发起，县局不直接核对", "家庭经济"),
    ],
)
def test_a_reason_names_this_application_by_item_resource_number_attachment_date_or_its_own_words(ready, text, named):
    with ready.begin() as s:
        machao = person(s, "machao")
        app_id = applications.save_draft(s, machao, machao.unit_id, HOUSEHOLD).id
        applications.add_attachment(s, machao, app_id, "低保受理通知书.pdf", "application/pdf", b"%PDF-1.4\n")
        applications.submit(s, machao, app_id)
    with ready() as s:
        app = s.get(Application, app_id)
        assert rejections.named_in(app, text.format(number=app.number)) == named.format(number=app.number)


@pytest.mark.parametrize(
    "text",
    [
        GENERIC,
        "经研究，不同意共享政务数据，请按照有关规定办理",
        "本单位数据共享需要按照相关要求办理",
        "申请事项不明确，材料不规范",
    ],
)
def test_words_every_application_shares_name_nothing_of_this_one(ready, text):
    app_id = apply(ready, scenario="政务数据共享中核验最低生活保障申请人户籍", purpose="按照有关规定使用数据共享")
    with ready() as s:
        assert rejections.named_in(s.get(Application, app_id), text) is None


def test_the_holder_is_an_active_unit_other_than_the_provider(ready):
    app_id = apply(ready)
    with ready.begin() as s:
        s.get(Unit, unit(s, "bdc").id).active = False
    with ready() as s:
        closed, own = unit(s, "bdc").id, unit(s, "gaj").id
    for holder, said in ((closed, "在用的单位"), (own, "不能选择本单位（县公安局）"), (999999, "在用的单位")):
        with pytest.raises(ValidationFailed) as refused:
            decide(
                ready,
                app_id,
                decision="reject",
                rejection_category="not_in_duty",
                reason=FACTS["not_in_duty"][3],
                holder_unit_id=holder,
            )
        assert said in refused.value.fields["holder_unit_id"]


def test_a_fact_of_another_category_is_not_kept_with_the_rejection(ready):
    app_id = apply(ready)
    decide(
        ready,
        app_id,
        decision="reject",
        rejection_category="security",
        reason=FACTS["security"][3],
        provision="国办发〔2021〕6号",
        concerns=["户籍地址"],
        missing_basis="无",
    )
    with ready() as s:
        review = pages.application_page(s, person(s, "machao"), app_id).steps[-1]
        assert review.result["concerns"] is None and review.result["missing_basis"] is None
        assert review.result["provision"] == "国办发〔2021〕6号"


def test_the_record_the_notice_and_the_application_page_state_the_category_and_its_fact(ready, tmp_path):
    app_id = apply(ready)
    with ready() as s:
        holder = unit(s, "bdc").id
    decide(
        ready,
        app_id,
        decision="reject",
        rejection_category="not_in_duty",
        reason=FACTS["not_in_duty"][3],
        holder_unit_id=holder,
    )
    with ready.begin() as s:
        page = pages.application_page(s, person(s, "machao"), app_id)
        notice = s.scalars(
            select(Notification).where(
                Notification.person_id == person(s, "machao").id, Notification.template == "decision"
            )
        ).one()
        record = records.for_application(s, app_id)
        (tmp_path / "record.pdf").write_bytes(records.pdf_for(s, record))
    assert (page.rejection_fact.title, page.rejection_fact.text) == ("掌握该数据的单位", "县不动产登记中心")
    assert "不通过类别：不属于本单位数据" in notice.body and "掌握该数据的单位：县不动产登记中心" in notice.body
    assert record.content["rejection_fact"] == {"title": "掌握该数据的单位", "text": "县不动产登记中心"}
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "record.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout.replace(" ", "")
    assert "不属于本单位数据" in text and "掌握该数据的单位" in text and "县不动产登记中心" in text


def test_a_record_stored_before_the_facts_existed_still_renders_what_it_said(ready, tmp_path):
    app_id = apply(ready)
    decide(
        ready,
        app_id,
        decision="reject",
        rejection_category="scope_exceeds",
        reason=FACTS["scope_exceeds"][3],
        concerns=["户籍地址"],
    )
    with ready() as s:
        old = dict(records.for_application(s, app_id).content)
    del old["rejection_fact"]  # as an earlier release stored it: the hash covers that content, so it is never changed
    for step in old["timeline"]:
        step.pop("result", None)
    pdf = records.render_pdf(old, records.digest(old))
    (tmp_path / "old.pdf").write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "old.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout.replace(" ", "")
    assert "申请范围超出履职需要" in text and "超出履职需要的信息项" not in text
    with ready() as s:
        assert (
            rejections.stated(
                s, {"decision": "reject", "rejection_category": "scope_exceeds", "reason": "旧版本的不通过"}
            )
            is None
        )
