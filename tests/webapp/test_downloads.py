"""Downloads keep their Chinese name (filename*) and an ASCII name that still says what the file is (filename)."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

from tests.helpers import HOUSEHOLD_FORM, csrf_token, decide, login, submit_form, text_of
from workflows.models import Application

REASON = "申请的户籍地址信息项超出最低生活保障核对所需范围，请仅申请姓名和身份号码"


def _plain_name(response) -> str:
    return re.search(r'filename="?([^";]+)"?(;|$)', response.headers["Content-Disposition"]).group(1)


def _logout(client) -> None:
    client.post("/logout", data={"csrf_token": csrf_token(client, "/tasks/")})


def _submitted(client, **files) -> int:
    answer = submit_form(client, HOUSEHOLD_FORM | files, action="submit")
    assert answer.status_code == 302
    return int(re.search(r"/applications/(\d+)", answer.headers["Location"]).group(1))


def test_the_record_pdf_is_named_by_its_number_in_ascii_and_in_chinese(client, ready):
    login(client, "machao")
    app_id = _submitted(client)
    decide(
        ready, app_id, decision="reject", reason=REASON, rejection_category="scope_exceeds", concerns=["公民身份号码"]
    )
    with ready() as s:
        number = s.get(Application, app_id).number

    pdf = client.get(f"/applications/{app_id}/record.pdf")

    assert _plain_name(pdf) == f"{number}.pdf"
    assert "filename*=UTF-8''" + quote(f"审批记录-{number}.pdf") in pdf.headers["Content-Disposition"]


def test_a_chinese_attachment_name_falls_back_to_the_application_and_attachment(client, ready):
    login(client, "machao")
    app_id = _submitted(client, attachments=(io.BytesIO(b"%PDF-1.4 scan"), "低保受理通知书.pdf", "application/pdf"))
    html = client.get(f"/applications/{app_id}").get_data(as_text=True)
    link = re.search(r'href="(/applications/\d+/attachments/(\d+))">低保受理通知书.pdf', html)
    with ready() as s:
        number = s.get(Application, app_id).number

    download = client.get(link.group(1))

    assert _plain_name(download) == f"{number}-attachment-{link.group(2)}.pdf"
    assert quote("低保受理通知书.pdf") in download.headers["Content-Disposition"]


def test_the_objection_statistics_and_catalog_workbooks_have_meaningful_ascii_names(client, ready):
    login(client, "wanglei")
    assert _plain_name(client.get("/objections/statistics.xlsx")) == "statistics-20260213.xlsx"
    _logout(client)
    login(client, "huangtao")
    assert _plain_name(client.get("/catalog/export.xlsx")) == "catalog-gaj-20260213.xlsx"
    assert _plain_name(client.get("/catalog/template.xlsx")) == "catalog-template.xlsx"


def test_an_attachment_reads_the_same_size_on_the_case_page_and_the_reviewers_task_page(client, ready):
    login(client, "machao")
    app_id = _submitted(client, attachments=(io.BytesIO(b"%PDF-1.4 " + b"x" * 400), "scan.pdf", "application/pdf"))
    case = text_of(client.get(f"/applications/{app_id}"))
    _logout(client)
    login(client, "huangtao")
    task_html = client.get("/tasks/").get_data(as_text=True)
    task_path = re.search(r'href="(/tasks/\d+)"', task_html).group(1)
    task = text_of(client.get(task_path))

    assert "scan.pdf 1 KB" in case and "scan.pdf 1 KB" in task
    assert "0 KB" not in case and "0 KB" not in task
