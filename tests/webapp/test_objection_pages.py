"""Objection pages: raised from a rejected application with the link prefilled, flags on the entry, the board,
statistics with their Excel export."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.helpers import MISSING_BASIS, apply, at, csrf_token, decide, login, person, text_of
from tests.workflows.objections.helpers import accept_and_transfer, raise_, step
from workflows.models import Application, Objection, ProcessInstance
from workflows.sharing import applications, grants, records

REASON = "申请用途与所列法律依据不对应，缺少低保核对的授权文件"
FACTS = "审核意见认为依据不足，但《社会救助暂行办法》第十一条明确要求核对户籍"


def number_of(sessions, app_id: int) -> str:
    with sessions() as s:
        return s.get(Application, app_id).number


def rejected(sessions) -> int:
    app_id = apply(sessions)
    decide(
        sessions, app_id, decision="reject", rejection_category="no_basis", reason=REASON, missing_basis=MISSING_BASIS
    )
    return app_id


def test_a_rejected_applicant_follows_the_link_to_a_prefilled_form_and_raises_an_objection(client, ready):
    app_id = rejected(ready)
    login(client, "machao")
    case = client.get(f"/applications/{app_id}").get_data(as_text=True)
    assert f"/objections/new?application={app_id}" in case
    form = client.get(f"/objections/new?application={app_id}").get_data(as_text=True)
    number = number_of(ready, app_id)
    assert f'value="{number}"' in form and 'value="application_dispute" selected' in form
    missing = client.post(
        "/objections/new",
        data={
            "csrf_token": csrf_token(client, "/objections/new"),
            "type": "application_dispute",
            "application_number": number,
            "facts": "",
            "request": "请协调",
        },
    )
    assert missing.status_code == 422 and "事实和理由" in text_of(missing)
    done = client.post(
        "/objections/new",
        data={
            "csrf_token": csrf_token(client, "/objections/new"),
            "type": "application_dispute",
            "application_number": number,
            "facts": FACTS,
            "request": "请协调重新审核",
            "attachment_name": ["驳回通知截图"],
            "attachment_note": ["审核意见原文"],
        },
        follow_redirects=True,
    )
    page = text_of(done)
    assert "资源申请异议" in page and "已提交" in page and "驳回通知截图" in page and "受理审查" in page
    assert "我的异议" in text_of(client.get("/objections/"))


def test_an_entry_under_an_accepted_correction_shows_the_flag_to_everyone_who_sees_it(client, ready):
    objection_id = raise_(
        ready,
        "machao",
        type="catalog_correction",
        resource_code="XY-GA-001",
        facts="目录中“户籍地址”信息项的更新周期写为每年，实际为实时更新",
        request="请更正更新周期",
    )
    login(client, "heming")
    before = text_of(client.get("/catalog/resources/XY-GA-001"))
    assert "户籍人口基本信息" in before and "存在异议" not in before
    accept_and_transfer(ready, objection_id)
    page = text_of(client.get("/catalog/resources/XY-GA-001"))
    assert "存在异议" in page and "纠错或提出异议" in page
    assert client.get(f"/objections/{objection_id}").status_code == 404  # not a unit it concerns


def test_the_board_shows_overdue_first_and_filters_and_only_coordinators_see_it(app, client, ready):
    first = raise_(
        ready, "machao", type="other", facts="县公安局共享接口多次中断，影响低保核对业务的开展", request="请督促修复"
    )
    second = raise_(
        ready, "huangtao", type="other", facts="县民政局反馈的数据质量问题与事实不符，需要核实", request="请核实"
    )
    step(
        ready,
        second,
        "ob_triage",
        "lina",
        {"decision": "reject", "reason": "所反映问题已在供需对接清单中办结，不再重复受理"},
    )
    login(client, "machao")
    assert client.get("/objections/board").status_code == 403
    client = app.test_client()
    login(client, "lina")
    board = text_of(client.get("/objections/board"))
    assert f"{first}" in board and "不予受理" in board
    only = text_of(client.get("/objections/board?status=not_accepted"))
    assert "不予受理" in only and "受理审查" not in only
    assert client.get("/objections/board?since=2026-13-01").status_code == 422


def test_statistics_count_by_type_and_export_to_excel(app, client, ready):
    raise_(
        ready, "machao", type="other", facts="县公安局共享接口多次中断，影响低保核对业务的开展", request="请督促修复"
    )
    login(client, "wanglei")
    page = text_of(client.get("/objections/statistics"))
    assert "共 1 件" in page and "其他 1" in page
    export = client.get("/objections/statistics.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.data))
    assert book.sheetnames[0] == "按类型" and ["其他", 1] in [
        list(r) for r in book["按类型"].iter_rows(values_only=True)
    ]
    client = app.test_client()
    login(client, "machao")
    assert client.get("/objections/statistics").status_code == 403


def test_a_usage_objection_is_linked_from_the_application_of_its_grant_and_back(client, ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="approve")
    login(client, "huangtao")
    case = client.get(f"/applications/{app_id}").get_data(as_text=True)
    grant_id = int(case.split("/objections/new?grant=")[1].split('"')[0])
    objection_id = raise_(
        ready,
        "huangtao",
        type="usage_dispute",
        grant_id=grant_id,
        facts="县民政局将户籍数据用于招商统计，超出申请的应用场景",
        request="请撤销授权",
    )
    accept_and_transfer(ready, objection_id, "mzj")
    page = text_of(client.get(f"/applications/{app_id}"))
    assert "存在异议" in page and f"YY2026{objection_id:06d}" in page and "数据使用异议" in page
    objection = client.get(f"/objections/{objection_id}").get_data(as_text=True)
    assert f"/applications/{app_id}" in objection


def test_overdue_objections_come_first_on_the_board(client, ready):
    with at("2026-03-02T10:00:00"):
        late = raise_(
            ready,
            "machao",
            type="other",
            facts="县公安局共享接口多次中断，影响低保核对业务的开展",
            request="请督促修复",
        )
    with at("2026-03-05T09:00:00"):
        fresh = raise_(
            ready, "sunjie", type="other", facts="县人社局社保数据更新滞后，影响低保核对的准确性", request="请督促更新"
        )
        login(client, "lina")
        rows = client.get("/objections/board").get_data(as_text=True).split("<tbody>")[1]
    late_link, fresh_link = f">YY2026{late:06d}</a>", f">YY2026{fresh:06d}</a>"
    assert rows.index(late_link) < rows.index(fresh_link)
    assert "已逾期" in rows.split(fresh_link)[0]


def test_evidence_files_are_uploaded_with_the_objection_and_read_only_by_those_concerned(app, client, ready):
    app_id = rejected(ready)
    login(client, "machao")
    form = {
        "csrf_token": csrf_token(client, "/objections/new"),
        "type": "application_dispute",
        "application_number": number_of(ready, app_id),
        "facts": FACTS,
        "request": "请协调重新审核",
    }
    refused = client.post(
        "/objections/new",
        data=form | {"files": (io.BytesIO(b"MZ\x90\x00"), "tool.exe")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "只接受 PDF、PNG 或 JPEG" in text_of(refused)
    done = client.post(
        "/objections/new",
        data=form | {"files": (io.BytesIO(b"%PDF-1.4 notice"), "驳回通知.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = done.get_data(as_text=True)
    href = next(part.split('"')[0] for part in page.split('href="') if "/files/" in part.split('"')[0])
    assert "驳回通知.pdf" in page
    assert client.get(href).data.startswith(b"%PDF")
    coordinator = app.test_client()
    login(coordinator, "lina")
    assert coordinator.get(href).status_code == 200
    stranger = app.test_client()
    login(stranger, "heming")
    assert stranger.get(href).status_code == 404


def test_the_reviewer_of_a_reopened_application_reads_the_coordinators_opinion_on_its_page(client, ready):
    app_id = rejected(ready)
    objection_id = raise_(ready, application_id=app_id)
    accept_and_transfer(ready, objection_id)
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意重新审核"})
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {"resolution": "agreed", "outcome": "upheld", "opinion": "申请依据充分，提供单位应重新审核并说明具体理由"},
    )
    login(client, "huangtao")
    page = text_of(client.get(f"/applications/{app_id}"))
    assert "审核中" in page and "县大数据局意见：申请依据充分" in page and "去审核" in page


def test_a_not_shared_entry_offers_an_objection_to_its_share_type(client, ready):
    login(client, "machao")
    refused = client.get("/applications/new?resource=XY-GA-004")
    assert "/objections/new?resource=XY-GA-004" in refused.get_data(as_text=True)
    form = client.get("/objections/new?resource=XY-GA-004&type=catalog_correction").get_data(as_text=True)
    assert 'value="XY-GA-004"' in form and 'value="catalog_correction" selected' in form


def test_a_responding_unit_finds_the_objection_under_my_objections(app, ready):
    objection_id = raise_(
        ready, "machao", type="other", facts="县公安局与县人社局的就业数据互相矛盾，影响低保核对", request="请核实"
    )
    accept_and_transfer(ready, objection_id, "rsj")
    client = app.test_client()
    login(client, "heming")  # 县人社局: neither raised it nor named in it, but asked to answer
    assert f'/objections/{objection_id}"' in client.get("/objections/").get_data(as_text=True)
    other = app.test_client()
    login(other, "zhenghui")  # 县市场监管局: not concerned
    assert f'/objections/{objection_id}"' not in other.get("/objections/").get_data(as_text=True)


def test_the_record_of_a_decision_overturned_after_an_objection_points_anyone_to_the_new_record(client, ready):
    app_id = rejected(ready)
    with ready() as s:
        first = records.for_application(s, app_id).sha256
    objection_id = raise_(
        ready, "machao", type="application_dispute", application_id=app_id, facts=FACTS, request="请协调重新审核"
    )
    accept_and_transfer(ready, objection_id, "gaj")
    step(ready, objection_id, "ob_answer_1", "huangtao", {"stance": "agree", "position": "同意重新审核"})
    step(
        ready,
        objection_id,
        "ob_decide",
        "lina",
        {"resolution": "agreed", "outcome": "upheld", "opinion": "申请依据充分，提供单位应重新审核并说明具体理由"},
    )
    reopened = text_of(client.get(f"/verify/{first}"))
    assert "记录真实有效，但该决定已撤销、正在重新审核" in reopened  # the headline, not only the note beneath it
    assert "该决定已因异议处理被撤销，申请正由提供单位重新审核" in reopened
    decide(ready, app_id, decision="approve")
    with ready() as s:
        newest = records.for_application(s, app_id).sha256
    old_page = text_of(client.get(f"/verify/{first}"))
    assert "记录真实有效，但已被新的决定取代" in old_page and "未通过" in old_page and "以最新审批记录为准" in old_page
    assert "授权当前状态" not in old_page  # the grant belongs to the new decision
    assert f"/verify/{newest}" in client.get(f"/verify/{first}").get_data(as_text=True)
    assert "以最新审批记录为准" not in text_of(client.get(f"/verify/{newest}"))
    login(client, "machao")  # the objection's page says what came of the reopened review
    assert (
        "后续办理：申请 SQ2026" in (page := text_of(client.get(f"/objections/{objection_id}")))
        and "现为“已通过”" in page
    )
    assert "已因异议处理被撤销" not in text_of(client.get(f"/verify/{newest}"))


def test_the_form_refuses_a_grant_of_another_application_and_names_grants_by_their_application_number(client, ready):
    granted = apply(ready)
    decide(ready, granted, decision="approve")
    other = rejected(ready)
    login(client, "machao")
    refused = client.post(
        "/objections/new",
        data={
            "csrf_token": csrf_token(client, "/objections/new"),
            "type": "usage_dispute",
            "facts": FACTS,
            "request": "请核实",
            "grant_number": number_of(ready, granted),
            "application_number": number_of(ready, other),
        },
    )
    assert refused.status_code == 422 and "一件异议只涉及一个对象" in text_of(refused)
    with ready() as s:
        grant_id = grants.for_application(s, granted).id
    objection_id = raise_(ready, "huangtao", type="usage_dispute", grant_id=grant_id, facts=FACTS, request="请核实")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "huangtao")
    page = text_of(client.get(f"/objections/{objection_id}"))
    assert (
        f"授权：{number_of(ready, granted)}「户籍人口基本信息」" in page and "#" not in page.split("所涉对象")[1][:60]
    )


def test_dates_out_of_range_or_reversed_are_explained_beside_the_field_on_the_board_and_statistics(client, ready):
    login(client, "lina")
    for path in ("/objections/statistics", "/objections/board", "/objections/statistics.xlsx"):
        early = client.get(f"{path}?since=0001-01-01")
        assert early.status_code == 422 and "起始日期：日期超出范围（应在 2000-01-01 至 2099-12-31 之间）" in text_of(
            early
        )
        assert 'id="error-since"' in early.get_data(as_text=True)
        late = client.get(f"{path}?until=9999-12-31")
        assert late.status_code == 422 and "截止日期：日期超出范围" in text_of(late)
        reversed_ = client.get(f"{path}?since=2026-06-01&until=2026-01-01")
        assert reversed_.status_code == 422 and "截止日期：2026-01-01 早于起始日期 2026-06-01" in text_of(reversed_)


def test_a_chosen_evidence_file_is_kept_when_the_form_is_refused_and_submitted_with_the_corrected_form(client, ready):
    app_id = rejected(ready)
    login(client, "machao")
    form = {
        "csrf_token": csrf_token(client, "/objections/new"),
        "type": "application_dispute",
        "application_number": number_of(ready, app_id),
        "facts": "",
        "request": "请协调重新审核",
    }
    refused = client.post(
        "/objections/new",
        data=form | {"files": (io.BytesIO(b"%PDF-1.4 notice"), "驳回通知.pdf")},
        content_type="multipart/form-data",
    )
    page = refused.get_data(as_text=True)
    assert (
        refused.status_code == 422 and "已上传：驳回通知.pdf" in text_of(refused) and "无需重新选择" in text_of(refused)
    )
    token = page.split('name="pending" value="')[1].split('"')[0]
    done = client.post("/objections/new", data=form | {"facts": FACTS, "pending": token}, follow_redirects=True)
    assert done.status_code == 200 and "驳回通知.pdf" in text_of(done) and "已提交" in text_of(done)


def test_raise_objection_is_offered_only_to_the_applicant_on_a_review_result(client, ready):
    app_id = rejected(ready)
    withdrawn = apply(ready)
    with ready.begin() as s:
        applications.withdraw(s, person(s, "machao"), withdrawn, "业务调整，不再需要")
    login(client, "machao")
    assert 'id="dispute-application"' in client.get(f"/applications/{app_id}").get_data(as_text=True)
    page = client.get(f"/applications/{withdrawn}").get_data(as_text=True)
    assert 'id="dispute-application"' not in page and "提出异议" not in text_of(
        client.get(f"/applications/{withdrawn}")
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, "huangtao")
    own = text_of(client.get(f"/applications/{app_id}"))
    assert "未通过" in own and "提出异议" not in own and "对决定有异议的" not in own
    refused = client.post(
        "/objections/new",
        data={
            "csrf_token": csrf_token(client, "/objections/new"),
            "type": "application_dispute",
            "facts": FACTS,
            "request": "请协调",
            "application_number": number_of(ready, app_id),
        },
    )
    assert refused.status_code == 422 and "资源申请异议由申请单位对退回、通过或不通过的审核结果提出" in text_of(refused)


def test_a_grant_under_an_open_objection_shows_the_flag_in_the_grant_list_and_on_its_order(client, ready):
    app_id = apply(ready)
    decide(ready, app_id, decision="approve")
    with ready() as s:
        grant_id = grants.for_application(s, app_id).id
    objection_id = raise_(
        ready,
        "huangtao",
        type="usage_dispute",
        grant_id=grant_id,
        facts="县民政局将户籍数据用于招商统计，超出申请的应用场景",
        request="请撤销授权",
    )
    login(client, "machao")
    assert "存在异议" not in text_of(client.get("/grants?scope=mine"))
    accept_and_transfer(ready, objection_id, "mzj")
    listed = client.get("/grants?scope=mine").get_data(as_text=True)
    row = next(r for r in listed.split("<tr") if f">{number_of(ready, app_id)}</a>" in r)
    assert "存在异议" in row
    assert 'id="order-disputed"' in client.get(f"/grants/{grant_id}/order").get_data(as_text=True)


def test_the_form_prefilled_from_a_link_never_shows_the_number_of_someone_elses_application(client, ready):
    app_id = rejected(ready)
    login(client, "lina")  # the county data bureau neither applied nor reviewed
    form = client.get(f"/objections/new?application={app_id}").get_data(as_text=True)
    assert f'value="{number_of(ready, app_id)}"' not in form
    assert 'id="application_number" name="application_number" maxlength="32" value=""' in form


def test_the_unit_objected_to_sees_the_objections_diagram_before_any_task_reaches_it(app, ready):
    objection = raise_(ready, application_number=number_of(ready, rejected(ready)))
    with ready() as s:
        version = s.get(ProcessInstance, s.get(Objection, objection).instance_id).process_version_id
    for username, status in (("yangjun", 200), ("machao", 200), ("heming", 404)):  # against, raiser, a third unit
        client = app.test_client()
        login(client, username)
        assert client.get(f"/objections/{objection}").status_code == status, username
        assert client.get(f"/tasks/diagram/{version}.bpmn").status_code == status, username
