"""Forms that forgive: a refused submit keeps the files already chosen, shows every problem at once, and the
messages name buttons that exist."""

import io
import re
from datetime import datetime, timedelta

import time_machine
from sqlalchemy import func, select

from notifications.email import SmtpSettings
from tests.helpers import (
    HOUSEHOLD_FORM,
    SH,
    apply,
    csrf_token,
    decide,
    login,
    person,
    submit_form,
    text_of,
)
from workflows import operations
from workflows.models import Application, Attachment, PendingUpload
from workflows.sharing import applications, uploads

SCAN = b"%PDF-1.4 acceptance notice"


def _kept_tokens(page: str) -> list[str]:
    return re.findall(r'name="pending" value="([^"]+)"', page)


def test_a_refused_submit_keeps_the_chosen_file_and_the_next_submit_attaches_it(client, ready):
    login(client, "machao")
    scan = (io.BytesIO(SCAN), "受理通知书.pdf", "application/pdf")
    answer = submit_form(client, HOUSEHOLD_FORM | {"scenario": "", "purpose": "", "attachments": scan}, action="submit")
    page = text_of(answer)
    assert answer.status_code == 422
    assert "已上传：受理通知书.pdf（可移除" in page and "无需重新选择" in page
    assert "应用场景" in page and "用途" in page  # both problems at once
    tokens = _kept_tokens(answer.get_data(as_text=True))
    assert len(tokens) == 1
    answer = submit_form(client, HOUSEHOLD_FORM | {"pending": tokens}, action="submit")
    assert answer.status_code == 302
    with ready() as s:
        app = s.scalars(select(Application)).one()
        assert [a.filename for a in app.attachments] == ["受理通知书.pdf"]
        assert s.scalar(select(func.count()).select_from(PendingUpload)) == 0


def test_a_kept_file_unticked_is_not_saved_and_another_persons_token_attaches_nothing(app, client, ready):
    login(client, "machao")
    scan = (io.BytesIO(SCAN), "受理通知书.pdf", "application/pdf")
    tokens = _kept_tokens(
        submit_form(client, HOUSEHOLD_FORM | {"scenario": "", "attachments": scan}, action="submit").get_data(
            as_text=True
        )
    )
    colleague = app.test_client()
    login(colleague, "zhuxia")  # a colleague who somehow got the token
    assert submit_form(colleague, HOUSEHOLD_FORM | {"pending": tokens}, action="save").status_code == 302
    assert submit_form(client, HOUSEHOLD_FORM, action="save").status_code == 302  # unticked: not sent back
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(Attachment)) == 0


def test_kept_files_are_forgotten_after_a_day(ready):
    with time_machine.travel(datetime(2026, 2, 13, 10, tzinfo=SH), tick=False), ready.begin() as s:
        tokens, _ = uploads.stash(s, person(s, "machao"), [uploads.Chosen("a.pdf", "application/pdf", SCAN)])
    with time_machine.travel(datetime(2026, 2, 13, 10, tzinfo=SH) + timedelta(days=1, minutes=1), tick=False):
        with ready.begin() as s:
            assert uploads.pending(s, person(s, "machao"), tokens) == []
        operations.run_once(ready, SmtpSettings())  # the periodic pass clears them even if nobody uploads again
        with ready() as s:
            assert s.scalar(select(func.count()).select_from(PendingUpload)) == 0


def test_after_saving_a_returned_application_the_message_names_the_button_on_the_page(client, ready):
    with time_machine.travel(datetime(2026, 2, 24, 9, tzinfo=SH), tick=False):
        app_id = apply(ready)
        decide(ready, app_id, decision="return", reason="请补充低保申请受理通知书扫描件，并说明核对对象的范围")
        login(client, "machao")
        token = csrf_token(client, f"/applications/{app_id}/edit")
        answer = client.post(
            f"/applications/{app_id}/edit",
            data=HOUSEHOLD_FORM | {"csrf_token": token, "action": "save"},
            follow_redirects=True,
        )
    page = text_of(answer)
    assert "请点击下方“去办理：补正后重新提交”" in page and "去办理：补正后重新提交" in page.split("已保存修改")[1]


def test_the_reviewer_previews_an_attachment_inline_with_safe_headers_and_downloads_it_otherwise(client, ready):
    with ready.begin() as s:
        machao = person(s, "machao")
        app = applications.save_draft(s, machao, machao.unit_id, {"resource_code": "XY-GA-001", "items": ["姓名"]})
        attachment = applications.add_attachment(s, machao, app.id, "受理通知书.pdf", "application/pdf", SCAN)
        path = f"/applications/{app.id}/attachments/{attachment.id}"
    login(client, "machao")
    shown, saved = client.get(path + "?preview=1"), client.get(path)
    assert shown.data == SCAN and shown.headers["Content-Disposition"].startswith("inline")
    assert saved.headers["Content-Disposition"].startswith("attachment")
    for answer in (shown, saved):
        assert answer.headers["X-Content-Type-Options"] == "nosniff" and answer.mimetype == "application/pdf"
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert shown.headers["X-Frame-Options"] == "SAMEORIGIN" and saved.headers["X-Frame-Options"] == "DENY"
