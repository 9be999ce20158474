"""Applications: 无条件 granted at once, 有条件 reviewed by the provider with specific reasons, records verifiable."""

import subprocess
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.helpers import NARROWED, HOUSEHOLD, SH, apply, at, decide, person, review_task, status
from workflows import audit_text
from workflows.engine import tasks
from workflows.errors import AlreadyHandled, Conflict, Forbidden, NotFound, ValidationFailed
from workflows.models import Application, ApplicationStatus, Attachment, AuditEvent, GrantStatus, TaskStatus
from workflows.sharing import applications, grants, records


def test_a_conditional_application_waits_for_the_provider_for_five_working_days(ready):
    app_id = apply(ready)
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW
    task = review_task(ready, app_id)
    assert (task.unit.code, task.role) == ("gaj", "reviewer")
    assert task.due_at == datetime(2026, 2, 27, 23, 59, 59, tzinfo=SH)


def test_an_unconditional_resource_is_granted_at_once(ready):
    with ready() as s:
        code = s.scalar(select(Application.id).limit(1))  # none yet
    assert code is None
    app_id = apply(ready, resource_code="XY-SJ-001", items=["企业名称", "统一社会信用代码"], sensitive_justification="")
    with ready() as s:
        app = s.get(Application, app_id)
        assert app.status == ApplicationStatus.APPROVED
        grant = grants.for_application(s, app_id)
        assert grant.status == GrantStatus.ACTIVE and grant.items == ["统一社会信用代码", "企业名称"]
        assert records.for_application(s, app_id) is not None


def test_a_not_shared_resource_cannot_be_applied_for_and_the_message_offers_alternatives(ready):
    with ready() as s, pytest.raises(applications.NotShareable) as caught:
        applications.apply(s, person(s, "machao"), HOUSEHOLD | {"resource_code": "XY-GA-004", "items": []})
    assert "供需对接清单" in caught.value.message and "异议" in caught.value.message


@pytest.mark.parametrize("reason", ["", "不同意", "不同意。", "不予通过！！", "数据敏感"])
def test_a_rejection_without_a_specific_reason_is_refused(ready, reason):
    app_id = apply(ready)
    with pytest.raises(ValidationFailed):
        decide(ready, app_id, decision="reject", reason=reason, rejection_category="no_basis")
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW
    assert review_task(ready, app_id).status == TaskStatus.OPEN


def test_a_rejection_with_a_reason_reaches_the_applicant_with_a_verifiable_record(ready, tmp_path):
    app_id = apply(ready)
    reason = "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码"
    decide(ready, app_id, decision="reject", reason=reason, rejection_category="scope_exceeds", concerns=["户籍地址"])
    with ready() as s:
        app = s.get(Application, app_id)
        assert app.status == ApplicationStatus.REJECTED and app.decision_reason == reason
        assert grants.for_application(s, app_id) is None
        record = records.for_application(s, app_id)
        assert records.digest(records.content_for(s, app)) == record.sha256  # regenerating gives the same hash
        pdf = tmp_path / "record.pdf"
        pdf.write_bytes(records.pdf_for(s, record))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("夏邑县政务数据共享审批记录", "县民政局", "县公安局", "户籍人口基本信息", "未通过", "黄涛"):
        assert expected in text
    assert reason[:20] in text.replace("\n", "")
    assert record.sha256[:32] in text.replace("\n", "").replace(" ", "")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts


def test_an_approval_may_narrow_items_and_validity_and_creates_the_grant(ready):
    app_id = apply(ready)
    decide(
        ready,
        app_id,
        decision="approve",
        approved_items=["姓名", "公民身份号码"],
        approved_until="2026-12-31",
        reason=NARROWED,
    )
    with ready() as s:
        grant = grants.for_application(s, app_id)
        assert grant.items == ["姓名", "公民身份号码"] and str(grant.valid_until) == "2026-12-31"
        assert grants.is_authorised(s, grant.unit_id, grant.resource_id, "姓名")
        assert not grants.is_authorised(s, grant.unit_id, grant.resource_id, "户籍地址")


def test_returning_for_more_information_pauses_the_clock_and_resubmission_restarts_it(ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="return", reason="请补充低保申请受理通知书")
    assert status(ready, app_id) == ApplicationStatus.RETURNED
    with ready() as s:
        resubmit = next(t for t in tasks.case_tasks(s, "application", app_id) if t.status == TaskStatus.OPEN)
        assert (resubmit.task_key, resubmit.unit.code) == ("da_resubmit", "mzj")
    with at("2026-03-02T09:00:00"):
        with ready.begin() as s:
            tasks.complete(s, person(s, "machao"), resubmit.id, {"answers": ["已上传低保申请受理通知书扫描件"]})
        assert review_task(ready, app_id).due_at == datetime(2026, 3, 9, 23, 59, 59, tzinfo=SH)
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW


def test_the_applicant_withdraws_before_a_decision(ready):
    app_id = apply(ready)
    with ready.begin() as s:
        applications.withdraw(s, person(s, "machao"), app_id, "业务调整")
    with ready() as s:
        assert s.get(Application, app_id).status == ApplicationStatus.WITHDRAWN
        assert all(t.status == TaskStatus.CANCELLED for t in tasks.case_tasks(s, "application", app_id))


def test_a_reviewer_of_another_unit_cannot_decide_and_another_applicant_cannot_read(ready):
    app_id = apply(ready)
    task_id = review_task(ready, app_id).id
    with ready() as s, pytest.raises(Forbidden):
        tasks.complete(s, person(s, "sunjie"), task_id, {"decision": "approve"})
    with ready() as s, pytest.raises(NotFound):
        applications.get_application(s, person(s, "lvping"), app_id)
    with ready() as s:
        assert applications.get_application(s, person(s, "huangtao"), app_id).id == app_id
        assert applications.get_application(s, person(s, "wanglei"), app_id).id == app_id


def test_an_incomplete_application_lists_every_problem(ready):
    with ready() as s, pytest.raises(ValidationFailed) as caught:
        applications.apply(
            s,
            person(s, "machao"),
            {"resource_code": "XY-GA-001", "items": ["公民身份号码", "血型"], "valid_until": "2020-01-01"},
        )
    details = " ".join(caught.value.details)
    for expected in ("血型", "应用场景", "依据", "用途", "调用频次", "有效期至", "使用承诺"):
        assert expected in details


def test_saving_in_order_to_submit_lists_a_bad_date_with_every_missing_part(ready):
    raw = HOUSEHOLD | {
        "valid_until": "2031-01-01",
        "scenario": "   ",
        "sensitive_justification": "",
        "undertaking": False,
    }
    with ready() as s, pytest.raises(ValidationFailed) as caught:
        applications.save_draft(s, person(s, "machao"), person(s, "machao").unit_id, raw, complete=True)
    assert {p.field for p in caught.value.details} >= {
        "valid_until",
        "scenario",
        "sensitive_justification",
        "undertaking",
    }


def test_a_catalog_code_typed_in_lower_case_with_spaces_finds_the_entry(ready):
    app_id = apply(ready, resource_code=" xy-ga-001 ")
    with ready() as s:
        assert s.get(Application, app_id).resource.code == "XY-GA-001"
        assert applications.shareable_resource(s, "ｘｙ－ｇａ－００１").code == "XY-GA-001"  # typed full-width


def test_an_attachment_is_removed_only_while_the_applicant_may_edit_and_the_removal_is_audited(ready):
    app_id = apply(ready)  # in review
    with ready.begin() as s:
        app = s.get(Application, app_id)
        app.attachments.append(
            Attachment(
                filename="错误的通知书.pdf",
                content_type="application/pdf",
                size=9,
                data=b"%PDF-1.4x",
                uploaded_by_id=app.applicant_id,
                uploaded_at=app.submitted_at,
            )
        )
    with ready() as s:
        att_id = s.get(Application, app_id).attachments[0].id
    with ready() as s, pytest.raises(Conflict):
        applications.remove_attachment(s, person(s, "machao"), app_id, att_id)  # under review: not editable
    decide(ready, app_id, decision="return", reason="所附受理通知书不是本案的，请更换")
    with ready() as s, pytest.raises((Forbidden, NotFound)):
        applications.remove_attachment(s, person(s, "huangtao"), app_id, att_id)  # the reviewer cannot
    with ready.begin() as s:
        applications.remove_attachment(s, person(s, "machao"), app_id, att_id)
    with ready() as s:
        assert s.get(Application, app_id).attachments == []
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "application:attachment_removed")).one()
        assert event.before == {"attachment": "错误的通知书.pdf", "size": 9}
    assert audit_text.label("application:attachment_removed") == "移除附件"


def test_the_periodic_pass_renders_the_record_pdf_once_after_the_decision(ready):
    from notifications.email import SmtpSettings
    from workflows import operations

    app_id = apply(ready)
    decide(ready, app_id, decision="approve")
    with ready() as s:
        assert records.for_application(s, app_id).pdf is None  # the decision did not wait for the PDF
    assert operations.run_once(ready, SmtpSettings()).records_rendered == 1
    assert operations.run_once(ready, SmtpSettings()).records_rendered == 0
    with ready() as s:
        assert records.for_application(s, app_id).pdf.startswith(b"%PDF")


def test_validity_is_at_most_exactly_three_years_from_the_submission_day(ready):
    with at("2026-11-30T10:00:00"):
        with pytest.raises(ValidationFailed) as caught:
            apply(ready, valid_until="2029-12-01")
        assert "一次申请最长三年" in " ".join(caught.value.details)
        app_id = apply(ready, valid_until="2029-11-30")
    assert status(ready, app_id) == ApplicationStatus.IN_REVIEW


def test_three_years_from_a_leap_day_ends_on_the_last_day_of_february():
    from datetime import date

    assert applications.latest_valid_until(date(2028, 2, 29)) == date(2031, 2, 28)


@pytest.mark.parametrize("reason", ["aaaaaaaaaa", "不同意不同意", "违规使用数据", "撤销撤销撤销撤销撤销撤销"])
def test_revoking_a_grant_needs_a_specific_reason_like_a_rejection(ready, reason):
    app_id = apply(ready)
    decide(ready, app_id, decision="approve")
    with ready() as s:
        grant_id = grants.for_application(s, app_id).id
    with ready() as s, pytest.raises(ValidationFailed) as caught:
        grants.revoke(s, person(s, "huangtao"), grant_id, reason)
    assert "撤销理由" in " ".join(caught.value.details)
    with ready() as s:
        assert grants.for_application(s, app_id).status == GrantStatus.ACTIVE


def test_approving_after_the_applicant_withdrew_says_so_with_the_time(ready):
    app_id = apply(ready)
    task_id = review_task(ready, app_id).id
    with at("2026-02-16T09:30:00"), ready.begin() as s:
        applications.withdraw(s, person(s, "machao"), app_id, "业务调整")
    with ready() as s, pytest.raises(AlreadyHandled) as caught:
        tasks.complete(s, person(s, "huangtao"), task_id, {"decision": "approve"})
    assert caught.value.message == "申请人已于2026-02-16 09:30撤回申请，无需办理"


def test_the_same_reviewer_submitting_twice_is_told_when_he_handled_it(ready):
    app_id = apply(ready)
    task_id = review_task(ready, app_id).id
    with at("2026-02-16T09:30:00"):
        decide(ready, app_id, decision="approve")
    with ready() as s, pytest.raises(AlreadyHandled) as caught:
        tasks.complete(s, person(s, "huangtao"), task_id, {"decision": "approve"})
    assert caught.value.message.startswith("您已于2026-02-16 09:30办理此任务")
    with ready() as s, pytest.raises(AlreadyHandled) as caught:
        tasks.complete(s, person(s, "sunhong"), task_id, {"decision": "approve"})
    assert "已由他人办理" in caught.value.message


def test_a_second_identical_application_while_the_first_is_open_is_refused_naming_the_first(ready):
    first = apply(ready)
    with ready() as s:
        number = s.get(Application, first).number
    with ready() as s, pytest.raises(applications.DuplicateApplication) as caught:
        applications.apply(s, person(s, "machao"), HOUSEHOLD)
    assert number in caught.value.message and caught.value.existing_id == first
    other_need = apply(ready, scenario="临时救助对象身份核验中核验户籍")  # another scenario is another need
    assert status(ready, other_need) == ApplicationStatus.IN_REVIEW
    with ready.begin() as s:
        applications.withdraw(s, person(s, "machao"), first, "重新申请")
    with ready.begin() as s:
        again = applications.apply(s, person(s, "machao"), HOUSEHOLD).id
    assert status(ready, again) == ApplicationStatus.IN_REVIEW
