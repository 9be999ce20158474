"""Application pages: the form, the case page, the record PDF, grants and the public verification page."""

from __future__ import annotations

import io
import re
from datetime import datetime
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import time_machine
from sqlalchemy import func, select

from tests.helpers import (
    NARROWED,
    HOUSEHOLD_FORM,
    SH,
    another_case,
    apply,
    at,
    csrf_token,
    decide,
    login,
    person,
    review_task,
    submit_form,
    text_of,
)
from workflows.models import Application, ApplicationStatus, AuditEvent, GrantStatus
from workflows.organisation import accounts
from workflows.sharing import applications, grants, records

REASON = "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码"


def applied(sessions, code: str = "XY-GA-001", **changes) -> int:
    raw = HOUSEHOLD_FORM | {"resource_code": code, "undertaking": True} | changes
    with sessions.begin() as s:
        return applications.apply(s, person(s, "machao"), another_case(s, "machao", raw)).id


def record_hash(sessions, app_id: int) -> str:
    with sessions() as s:
        return records.for_application(s, app_id).sha256


def grant_id(sessions, app_id: int) -> int:
    with sessions() as s:
        return grants.for_application(s, app_id).id


def test_an_applicant_applies_with_the_form_and_the_case_page_shows_in_review_and_the_deadline(client, ready):
    login(client, "machao")
    form = client.get("/applications/new?resource=XY-GA-001")
    page = text_of(form)
    for expected in (
        "户籍人口基本信息",
        "县公安局",
        "有条件共享",
        "仅限依法履职所需的身份核验",
        "公民身份号码 敏感",
        applications.UNDERTAKING,
        "保存草稿",
        "提交申请",
    ):
        assert expected in page

    answer = submit_form(client, HOUSEHOLD_FORM, action="submit")

    assert answer.status_code == 302
    case = client.get(answer.headers["Location"])
    page = text_of(case)
    assert case.status_code == 200
    assert re.search(r'id="app-status">审核中<', case.get_data(as_text=True))
    assert "期限 2026-02-27 23:59" in page and "剩余 5 个工作日" in page
    assert "已提交申请 SQ2026" in page and "撤回" in page
    assert "去审核" not in page  # the applicant cannot review their own case
    assert 'id="diagram-status">当前环节：审核申请</div>' in case.get_data(as_text=True)  # not its timers (催办, 督办)


def test_an_incomplete_form_keeps_what_was_typed_and_lists_every_problem(client, ready):
    login(client, "machao")
    typed = {
        "resource_code": "XY-GA-001",
        "items": ["公民身份号码", "性别"],
        "scenario": "低保核对中核验户籍",
        "frequency": "weekly",
        "valid_until": "2026-08-31",
    }

    answer = submit_form(client, typed, action="submit")

    assert answer.status_code == 422
    html, page = answer.get_data(as_text=True), text_of(answer)
    assert "申请内容有误，未提交" in page
    for problem in (
        "法律或政策依据：请写明具体的法律、法规或政策文件名称及条款，至少 4 个字",
        "用途：请写明申请数据的具体用途，至少 4 个字",
        "敏感信息项（公民身份号码）",
        "使用承诺",
    ):
        assert problem in page
    assert "：必填" not in page
    assert ">低保核对中核验户籍</textarea>" in html
    assert re.search(r'value="公民身份号码" id="item-\d+" checked', html)
    assert re.search(r'value="性别" id="item-\d+" checked', html)
    assert not re.search(r'value="姓名" id="item-\d+" checked', html)
    assert '<option value="weekly" selected>' in html and 'value="2026-08-31"' in html
    assert 'id="basis" name="basis"' in html and "is-invalid" in html
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0


def test_a_form_with_a_bad_date_lists_the_date_and_every_other_problem_in_one_answer(client, ready):
    login(client, "machao")
    typed = HOUSEHOLD_FORM | {
        "valid_until": "2031-01-01",
        "scenario": "     ",
        "sensitive_justification": "",
        "undertaking": "",
    }

    page = text_of(submit_form(client, typed, action="submit"))

    for problem in (
        "有效期至：一次申请最长三年",
        "应用场景：请具体写明使用数据的业务场景",
        "敏感信息项（公民身份号码）：请说明必须使用的理由",
        "使用承诺：请阅读并勾选",
    ):
        assert problem in page


def test_a_wrong_kind_of_file_is_named_beside_the_forms_other_problems_and_the_good_file_is_kept(client, ready):
    login(client, "machao")
    word = (io.BytesIO(b"PK\x03\x04 docx"), "说明.docx", "application/octet-stream")
    scan = (io.BytesIO(b"%PDF-1.4 scan"), "证明材料.pdf", "application/pdf")
    typed = HOUSEHOLD_FORM | {"scenario": "     ", "undertaking": "", "attachments": [word, scan]}

    page = text_of(submit_form(client, typed, action="submit"))

    for problem in (
        "应用场景：请具体写明使用数据的业务场景",
        "使用承诺：请阅读并勾选",
        "只接受 PDF、PNG 或 JPEG 文件（说明.docx）",
        "已上传：证明材料.pdf",
    ):
        assert problem in page


def test_a_one_letter_basis_and_no_frequency_say_what_is_expected(client, ready):
    login(client, "machao")

    page = text_of(
        submit_form(client, HOUSEHOLD_FORM | {"basis": "x", "frequency": "", "valid_until": ""}, action="submit")
    )

    assert "法律或政策依据：请写明具体的法律、法规或政策文件名称及条款，至少 4 个字" in page
    assert "预计调用频次：请选择调用频次" in page and "之一" not in page
    assert "有效期至：请选择有效期截止日期" in page and "：必填" not in page


def test_a_code_typed_with_a_trailing_space_in_lower_case_opens_the_form_and_applies(client, ready):
    login(client, "machao")
    form = client.get("/applications/new?resource=xy-ga-001%20")
    assert form.status_code == 200 and "户籍人口基本信息" in text_of(form) and "不存在" not in text_of(form)

    answer = submit_form(client, HOUSEHOLD_FORM | {"resource_code": "xy-ga-001 "}, "/applications/new", action="submit")

    assert answer.status_code == 302
    assert "已提交申请 SQ2026" in text_of(client.get(answer.headers["Location"]))


def test_saving_a_draft_keeps_the_attachment_and_the_draft_is_submitted_from_the_case_page(client, ready):
    login(client, "machao")
    scan = (io.BytesIO(b"%PDF-1.4 fake scan"), "低保受理通知书.pdf", "application/pdf")

    answer = submit_form(client, HOUSEHOLD_FORM | {"attachments": scan}, action="save")

    assert answer.status_code == 302
    case = client.get(answer.headers["Location"])
    assert "已保存草稿" in text_of(case) and 'id="app-status">草稿<' in case.get_data(as_text=True)
    link = re.search(r'href="(/applications/\d+/attachments/\d+)">低保受理通知书.pdf', case.get_data(as_text=True))
    download = client.get(link.group(1))
    assert download.data == b"%PDF-1.4 fake scan" and download.mimetype == "application/pdf"
    app_id = int(re.search(r"/applications/(\d+)", answer.headers["Location"]).group(1))

    submitted = client.post(f"/applications/{app_id}/submit", data={"csrf_token": csrf_token(client, "/applications")})

    assert submitted.status_code == 302
    assert 'id="app-status">审核中<' in client.get(f"/applications/{app_id}").get_data(as_text=True)


def test_an_attachment_that_is_not_a_pdf_or_image_is_refused_in_chinese(client, ready):
    login(client, "machao")
    macro = (io.BytesIO(b"MZ\x90\x00 not a pdf"), "说明.pdf", "application/pdf")

    answer = submit_form(client, HOUSEHOLD_FORM | {"attachments": macro}, action="save")

    assert answer.status_code == 422
    page = text_of(answer)
    assert "文件内容不是有效的 PDF，可能已损坏，请重新导出后上传（说明.pdf）" in page and "已上传：说明.pdf" not in page
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0


def test_a_file_of_another_kind_is_refused_by_its_kind_and_a_broken_image_as_damaged(client, ready):
    login(client, "machao")
    word = (io.BytesIO(b"PK\x03\x04 docx"), "说明.docx", "application/octet-stream")
    page = text_of(submit_form(client, HOUSEHOLD_FORM | {"attachments": word}, action="save"))
    assert "只接受 PDF、PNG 或 JPEG 文件（说明.docx）" in page
    photo = (io.BytesIO(b"%PDF-1.4 not an image"), "照片.jpg", "image/jpeg")
    page = text_of(submit_form(client, HOUSEHOLD_FORM | {"attachments": photo}, action="save"))
    assert "文件内容不是有效的 图片，可能已损坏，请重新导出后上传（照片.jpg）" in page


def test_an_upload_beyond_the_request_limit_says_the_limit_and_that_nothing_was_saved(client, app, ready, monkeypatch):
    login(client, "machao")
    token = csrf_token(client, "/applications")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    scan = (io.BytesIO(b"%PDF-1.4" + b"0" * 2 * 1024 * 1024), "扫描件.pdf", "application/pdf")
    answer = client.post(
        "/applications/new?resource=XY-GA-001",
        content_type="multipart/form-data",
        data={"csrf_token": token, "action": "submit", "attachments": scan} | HOUSEHOLD_FORM,
    )
    page = text_of(answer)
    assert answer.status_code == 413
    assert "一次提交（含全部附件）最多 1 MB" in page and "本次提交的内容（包括填写的文字和附件）均未保存" in page
    assert "之前已保存的内容不受影响" not in page
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0


def test_the_not_shared_page_explains_and_points_to_supply_and_demand(client, ready):
    login(client, "machao")

    answer = client.get("/applications/new?resource=XY-GA-004")

    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "不予共享" in html and "刑事案件侦查信息" in html and "侦查过程信息依刑事诉讼相关法律规定" in html
    assert 'href="/demands/new?resource=XY-GA-004"' in html and 'href="/catalog/"' in html
    form = client.get("/demands/new?resource=XY-GA-004").get_data(as_text=True)
    assert 'value="刑事案件侦查信息（XY-GA-004）"' in form  # the demand names the entry; the bureau coordinates it
    assert "提交申请" not in html


def test_an_applicant_of_another_unit_gets_404_for_the_case_page(client, ready):
    app_id = applied(ready)
    login(client, "lvping")
    assert client.get(f"/applications/{app_id}").status_code == 404
    assert client.get(f"/applications/{app_id}/record.pdf").status_code == 404


def test_the_provider_reviewer_sees_the_case_with_a_link_to_review(client, ready):
    app_id = applied(ready)
    login(client, "huangtao")
    page = text_of(client.get(f"/applications/{app_id}"))
    assert "去审核" in page and "撤回" not in page
    assert "SQ2026" in text_of(client.get("/applications?scope=provider"))


def test_the_record_pdf_downloads_after_a_decision(client, ready):
    app_id = applied(ready)
    login(client, "machao")
    assert client.get(f"/applications/{app_id}/record.pdf").status_code == 404

    decide(
        ready, app_id, decision="reject", reason=REASON, rejection_category="scope_exceeds", concerns=["公民身份号码"]
    )

    page = text_of(client.get(f"/applications/{app_id}"))
    assert "未通过" in page and REASON in page and "申请范围超出履职需要" in page
    pdf = client.get(f"/applications/{app_id}/record.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    disposition = pdf.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=UTF-8''" + quote("审批记录-SQ2026") in disposition


def test_the_verify_page_works_without_login_and_shows_the_grant_status(client, ready):
    app_id = applied(ready)
    decide(ready, app_id, decision="approve")
    sha256 = record_hash(ready, app_id)

    answer = client.get(f"/verify/{sha256}")

    assert answer.status_code == 200
    page = text_of(answer)
    for expected in ("记录真实有效", "SQ2026", "县民政局", "县公安局", "户籍人口基本信息", "已通过", "有效"):
        assert expected in page
    assert "马超" not in page and "黄涛" not in page  # unit names and the decision only


@pytest.mark.parametrize("bad", ["0" * 64, "not-a-hash", "ABC"])
def test_an_unknown_hash_gives_404_with_advice(client, ready, bad):
    answer = client.get(f"/verify/{bad}")
    assert answer.status_code == 404
    page = text_of(answer)
    assert "未找到该审批记录" in page and "核对二维码或链接是否完整" in page


def test_the_provider_reviewer_revokes_the_grant_and_the_verify_page_then_shows_revoked(client, ready):
    app_id = applied(ready)
    decide(ready, app_id, decision="approve")
    login(client, "huangtao")
    assert "撤销授权" in text_of(client.get(f"/applications/{app_id}"))
    token = csrf_token(client, "/grants")

    too_short = client.post(f"/grants/{grant_id(ready, app_id)}/revoke", data={"csrf_token": token, "reason": "违规"})
    assert too_short.status_code == 422 and "撤销理由" in text_of(too_short)
    answer = client.post(
        f"/grants/{grant_id(ready, app_id)}/revoke",
        data={"csrf_token": token, "reason": "发现超出授权场景使用数据，停止提供"},
    )

    assert answer.status_code == 302
    with ready() as s:
        assert grants.for_application(s, app_id).status == GrantStatus.REVOKED
    assert 'id="grant-status">已撤销<' in client.get(f"/applications/{app_id}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    assert "已撤销" in text_of(client.get(f"/verify/{record_hash(ready, app_id)}"))


def test_an_applicant_cannot_revoke(client, ready):
    app_id = applied(ready)
    decide(ready, app_id, decision="approve")
    login(client, "machao")
    assert "撤销授权" not in text_of(client.get(f"/applications/{app_id}"))

    answer = client.post(
        f"/grants/{grant_id(ready, app_id)}/revoke",
        data={"csrf_token": csrf_token(client, "/grants"), "reason": "申请人自己想撤销授权"},
    )

    assert answer.status_code == 403
    with ready() as s:
        assert grants.for_application(s, app_id).status == GrantStatus.ACTIVE


def test_the_order_is_printable_for_both_units_and_the_coordinator_only(client, ready):
    app_id = applied(ready, "XY-SJ-001", items=["企业名称", "统一社会信用代码"], sensitive_justification="")
    order = f"/grants/{grant_id(ready, app_id)}/order"
    for username in ("machao", "zhenghui", "wanglei"):
        login(client, username)
        page = text_of(client.get(order))
        for expected in (
            "市级政务数据共享交换平台建设单位",
            "企业登记注册信息",
            "县民政局",
            "统一社会信用代码",
            record_hash(ready, app_id),
            "打印",
        ):
            assert expected in page
        client.post("/logout", data={"csrf_token": csrf_token(client, "/grants")})
    login(client, "lvping")
    assert client.get(order).status_code == 404


def test_the_applicant_withdraws_an_open_application(client, ready):
    app_id = applied(ready)
    login(client, "machao")

    answer = client.post(
        f"/applications/{app_id}/withdraw",
        data={"csrf_token": csrf_token(client, "/applications"), "reason": "业务调整，暂不需要"},
    )

    assert answer.status_code == 302
    with ready() as s:
        assert s.get(Application, app_id).status == ApplicationStatus.WITHDRAWN
    assert "已撤回" in text_of(client.get("/applications?status=withdrawn"))


def test_a_returned_application_is_corrected_in_the_form_and_resubmitted_in_its_task(client, ready):
    app_id = applied(ready)
    decide(ready, app_id, decision="return", reason="请补充低保申请受理通知书")
    login(client, "machao")
    form = client.get(f"/applications/{app_id}/edit")
    page = text_of(form)
    assert "提供单位退回补正：请补充低保申请受理通知书" in page and "补正后重新提交" in page
    assert "保存修改" in page and "提交申请" not in page

    answer = submit_form(
        client,
        HOUSEHOLD_FORM | {"purpose": "核验低保申请人户籍（已补充受理通知书）"},
        path=f"/applications/{app_id}/edit",
        action="save",
    )

    assert answer.status_code == 302
    with ready() as s:
        app = s.get(Application, app_id)
        assert app.status == ApplicationStatus.RETURNED and app.purpose.endswith("（已补充受理通知书）")


def test_a_returned_application_drops_a_wrong_attachment_after_confirming_and_the_trail_says_so(client, ready):
    login(client, "machao")
    wrong = (io.BytesIO(b"%PDF-1.4 wrong scan"), "错误的通知书.pdf", "application/pdf")
    answer = submit_form(client, HOUSEHOLD_FORM | {"attachments": wrong}, action="submit")
    app_id = int(re.search(r"/applications/(\d+)", answer.headers["Location"]).group(1))
    decide(ready, app_id, decision="return", reason="所附受理通知书不是本案的，请更换")
    edit = client.get(f"/applications/{app_id}/edit").get_data(as_text=True)
    confirm_path = re.search(r'id="remove-attachment-\d+" href="([^"]+)"', edit).group(1)

    confirm = client.get(confirm_path)

    assert "确定从申请中移除附件“ 错误的通知书.pdf ”（1 KB）吗" in text_of(confirm) and "取消" in text_of(confirm)
    with ready() as s:
        assert len(s.get(Application, app_id).attachments) == 1  # asking removes nothing
    removed = client.post(
        confirm_path, data={"csrf_token": csrf_token(client, f"/applications/{app_id}/edit")}, follow_redirects=True
    )
    assert "已移除附件“错误的通知书.pdf”" in text_of(removed)
    assert "错误的通知书.pdf" not in text_of(client.get(f"/applications/{app_id}"))
    with ready() as s:
        trail = [
            e.action
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.subject_type == "application", AuditEvent.subject_id == str(app_id))
            )
        ]
    assert "application:attachment_removed" in trail


def test_an_attachment_cannot_be_removed_once_the_application_is_under_review(client, ready):
    login(client, "machao")
    scan = (io.BytesIO(b"%PDF-1.4 scan"), "受理通知书.pdf", "application/pdf")
    answer = submit_form(client, HOUSEHOLD_FORM | {"attachments": scan}, action="submit")
    app_id = int(re.search(r"/applications/(\d+)", answer.headers["Location"]).group(1))
    with ready() as s:
        att_id = s.get(Application, app_id).attachments[0].id
    path = f"/applications/{app_id}/attachments/{att_id}/remove"

    refused = client.post(path, data={"csrf_token": csrf_token(client, f"/applications/{app_id}")})

    assert refused.status_code == 409 and "不能修改" in text_of(refused)
    assert client.get(path).status_code == 409
    assert "受理通知书.pdf" in text_of(client.get(f"/applications/{app_id}"))
    assert "移除" not in text_of(client.get(f"/applications/{app_id}"))


def test_the_application_list_shows_the_review_deadline_and_an_overdue_review_in_red(client, processes, demo_catalog):
    with time_machine.travel(datetime(2026, 2, 24, 9, 0, tzinfo=SH), tick=False):
        apply(processes)
        login(client, "machao")
        assert "审核剩余 5 个工作日" in client.get("/applications").get_data(as_text=True)
    # due Monday 03-02 (Saturday 02-28 is a make-up working day); Thursday 03-05 is 3 working days later
    with time_machine.travel(datetime(2026, 3, 5, 9, 0, tzinfo=SH), tick=False):
        login(client, "machao")
        page = client.get("/applications").get_data(as_text=True)
    assert re.search(r'review-deadline text-danger fw-bold">审核已逾期 3 个工作日', page)


def test_the_date_picker_and_the_hint_end_exactly_three_years_after_today(client, ready):
    with at("2026-11-30T10:00:00"):
        login(client, "machao")
        html = client.get("/applications/new?resource=XY-GA-001").get_data(as_text=True)
    assert 'max="2029-11-30"' in html and "一次最长三年（至 2029-11-30）" in html


def test_a_draft_is_named_application_draft_and_never_by_its_id(client, ready):
    login(client, "machao")
    saved = submit_form(client, HOUSEHOLD_FORM, action="save")
    app_id = int(re.search(r"/applications/(\d+)", saved.headers["Location"]).group(1))

    for path in ("/applications", f"/applications/{app_id}", f"/applications/{app_id}/edit"):
        page = text_of(client.get(path))
        assert "申请草稿" in page, path
        assert f"#{app_id}" not in page and "草稿 #" not in page, path


def test_a_draft_is_discarded_not_withdrawn_and_leaves_the_list(client, ready):
    login(client, "machao")
    saved = submit_form(client, HOUSEHOLD_FORM, action="save")
    app_id = int(re.search(r"/applications/(\d+)", saved.headers["Location"]).group(1))
    case = text_of(client.get(f"/applications/{app_id}"))
    assert "作废草稿" in case and "确认撤回" not in case

    answer = client.post(
        f"/applications/{app_id}/withdraw",
        data={"csrf_token": csrf_token(client, "/applications")},
        follow_redirects=True,
    )

    page = text_of(answer)
    assert "草稿已作废" in page and "审核任务已关闭" not in page
    assert f'href="/applications/{app_id}"' not in answer.get_data(as_text=True)
    assert "草稿已作废" in text_of(client.get(f"/applications/{app_id}"))


def test_the_reviewer_approving_a_withdrawn_application_is_told_the_applicant_withdrew(client, ready):
    app_id = applied(ready)
    task_id = review_task(ready, app_id).id
    login(client, "huangtao")
    token = csrf_token(client, f"/tasks/{task_id}")
    with at("2026-02-16T09:30:00"), ready.begin() as s:
        applications.withdraw(s, person(s, "machao"), app_id, "业务调整")

    answer = client.post(
        f"/tasks/{task_id}",
        data={"csrf_token": token, "decision": "approve", "approved_items": ["姓名"], "reason": NARROWED},
    )

    page = text_of(answer)
    assert "申请人已于2026-02-16 09:30撤回申请，无需办理" in page and "已由他人办理" not in page


def next_of(answer) -> str:
    location = urlsplit(answer.headers["Location"])
    assert location.path == "/login"
    return parse_qs(location.query)["next"][0]


def _ended_elsewhere(ready, username: str) -> None:
    """Logging out in another tab (or browser) ends every session of the person."""
    with ready.begin() as s:
        someone = person(s, username)
        accounts.end_sessions(s, someone.id, someone.id, "logout")


@pytest.mark.parametrize("lost", ["login", "session"])
def test_a_form_sent_after_the_login_ended_says_it_was_not_saved_and_leads_back_to_the_form(client, ready, lost):
    login(client, "machao")
    token = csrf_token(client, "/applications/new?resource=XY-GA-001")
    if lost == "login":
        _ended_elsewhere(ready, "machao")
    else:
        client.delete_cookie("session")  # the whole session cookie expired

    answer = client.post(
        "/applications/new?resource=XY-GA-001",
        data={"csrf_token": token, "action": "submit"} | HOUSEHOLD_FORM,
        headers={"Referer": "http://localhost/applications/new?resource=XY-GA-001"},
    )

    assert answer.status_code == 302
    assert next_of(answer) == "/applications/new?resource=XY-GA-001"
    page = text_of(client.get(answer.headers["Location"]))
    assert "您的登录已过期，刚才的提交未保存，请重新登录后再提交" in page and "请先登录" not in page
    back = client.post(
        answer.headers["Location"],
        data={"username": "machao", "password": "Demo@2026", "csrf_token": csrf_token(client)},
    )
    assert back.headers["Location"] == "/applications/new?resource=XY-GA-001"
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 0


def test_a_post_only_action_after_the_login_ended_returns_to_the_page_it_was_sent_from(client, ready):
    app_id = applied(ready)
    login(client, "machao")
    token = csrf_token(client, f"/applications/{app_id}")
    _ended_elsewhere(ready, "machao")
    answer = client.post(
        f"/applications/{app_id}/withdraw",
        data={"csrf_token": token, "reason": "不需要了"},
        headers={"Referer": f"http://evil.example/applications/{app_id}"},
    )
    assert next_of(answer) == "/"
    answer = client.post(
        f"/applications/{app_id}/withdraw",
        data={"csrf_token": token, "reason": "不需要了"},
        headers={"Referer": f"http://localhost/applications/{app_id}"},
    )
    assert next_of(answer) == f"/applications/{app_id}"
    with ready() as s:
        assert s.get(Application, app_id).status == ApplicationStatus.IN_REVIEW


def test_the_same_form_sent_twice_creates_one_application_and_shows_the_first(client, ready):
    login(client, "machao")
    html = client.get("/applications/new?resource=XY-GA-001").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', html).group(1)
    first = submit_form(client, HOUSEHOLD_FORM, action="submit", form_token=token)
    again = submit_form(client, HOUSEHOLD_FORM, action="submit", form_token=token)
    assert again.status_code == 302 and again.headers["Location"] == first.headers["Location"]
    assert "此表单已提交过，未重复提交" in text_of(client.get(again.headers["Location"]))
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(Application)) == 1


def test_a_new_form_with_the_same_application_under_way_names_and_links_the_first(client, ready):
    first = applied(ready)
    with ready() as s:
        number = s.get(Application, first).number
    login(client, "machao")
    answer = submit_form(
        client, HOUSEHOLD_FORM | {"scenario": "最低生活保障家庭经济状况核对中核验申请人户籍"}, action="submit"
    )
    assert answer.status_code == 409
    assert f"本单位已有同一资源、同一应用场景的申请 {number}（审核中），未重复提交" in text_of(answer)
    assert f'id="existing-application" href="/applications/{first}"' in answer.get_data(as_text=True)


def test_submitting_a_draft_while_the_same_application_is_under_way_links_the_first_and_offers_no_files(client, ready):
    login(client, "machao")
    draft = int(submit_form(client, HOUSEHOLD_FORM, action="save").headers["Location"].rsplit("/", 1)[1])
    first = applied(ready)
    with ready() as s:
        number = s.get(Application, first).number
    answer = client.post(
        f"/applications/{draft}/submit", data={"csrf_token": csrf_token(client, f"/applications/{draft}")}
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 409
    assert f"本单位已有同一资源、同一应用场景的申请 {number}（审核中），未重复提交" in text_of(answer)
    assert f'id="existing-application" href="/applications/{first}"' in html
    assert "已上传" not in text_of(answer)


def test_the_order_of_a_revoked_grant_tells_the_platform_to_stop_not_to_provide(client, ready):
    app_id = applied(ready, "XY-SJ-001", items=["企业名称", "统一社会信用代码"], sensitive_justification="")
    with ready.begin() as s:
        grants.revoke(s, person(s, "zhenghui"), grant_id(ready, app_id), "发现超出应用场景使用，依约撤销授权")
    login(client, "machao")
    page = text_of(client.get(f"/grants/{grant_id(ready, app_id)}/order"))
    assert "本提供单已失效：此授权已撤销，请立即停止向县民政局提供下列数据" in page
    assert "同意通过政务数据共享交换平台" not in page and "请按本单所列信息项" not in page


def test_every_problem_of_an_application_is_shown_at_the_first_submit(client, ready):
    login(client, "machao")
    answer = submit_form(
        client,
        HOUSEHOLD_FORM | {"purpose": "核" * 1200, "scenario": "低保", "valid_until": "2026-02-30"},
        action="submit",
    )
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert html.count('class="invalid-feedback d-block"') == 3  # beside 应用场景, 用途 and 有效期至
    assert "不能超过 1000 个字" in text_of(answer) and "2026-02-30”不是存在的日期" in text_of(answer)
