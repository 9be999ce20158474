"""The policy page (六(二) 政策宣贯) and the help page: anyone reads them, the sysadmin keeps their texts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.helpers import PRODUCT_FORMS, THREE_DAYS, at, csrf_token, deploy_product_processes, login, text_of
from workflows import engine
from workflows.models import AuditEvent, ROLE_LABELS_BY_CODE


def save(client, kind: str, title: str, body: str):
    return client.post(
        f"/admin/texts/{kind}",
        data={"title": title, "body": body, "csrf_token": csrf_token(client, f"/admin/texts/{kind}")},
    )


def test_anyone_reads_the_notice_and_the_regulation_above_it(client):
    page = text_of(client.get("/policy"))
    assert "夏“放管服”组办〔2021〕12号" in page and "《政务数据共享条例》" in page
    assert "提供部门需在收到申请后的5个工作日内完成审批" in page


def test_the_application_form_and_every_footer_link_to_the_policy(client, ready):
    login(client, "machao")
    form = client.get("/applications/new?resource=XY-GA-001").get_data(as_text=True)
    assert 'id="policy-link"' in form and "政策依据" in form
    assert 'href="/policy"' in client.get("/catalog/").get_data(as_text=True).split('id="site-footer"')[1]


def test_the_help_page_gives_the_contact_how_to_get_an_account_and_every_role(client, ready):
    page = text_of(client.get("/help"))
    assert "联系电话：6226835" in page
    assert "目录管理员" in page and "为本单位开通第一位目录管理员" in page
    for label in ROLE_LABELS_BY_CODE.values():
        assert label in page
    assert "5 个工作日内" in page  # the reviewer's duty


def test_the_help_page_states_the_review_period_the_deployed_process_gives(client, sessions):
    deploy_product_processes(sessions)
    with sessions.begin() as s:
        engine.deploy(s, THREE_DAYS, PRODUCT_FORMS, None, note="审核期限改为 3 个工作日")
    page = text_of(client.get("/help"))
    assert "在 3 个工作日内作出通过" in page and "5 个工作日内" not in page


@pytest.mark.parametrize("username", [None, "machao", "chenjing"])
def test_the_header_links_to_help_for_everyone(client, username):
    if username:
        login(client, username)
    assert 'id="nav-help"' in client.get("/policy").get_data(as_text=True)
    if username is None:
        assert 'href="/help"' in client.get("/login").get_data(as_text=True)


def test_the_sysadmin_rewrites_the_policy_and_everyone_reads_it_escaped_in_paragraphs(app, client, sessions):
    with at("2026-03-02T10:00:00"):
        login(client, "chenjing")
        saved = save(
            client,
            "policy",
            "数据共享政策汇编",
            "# 第一部分\n第一段第一行\n第一段第二行\n\n<script>alert(1)</script> 第二段",
        )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/policy")
    anonymous = app.test_client().get("/policy").get_data(as_text=True)
    assert "<h2" in anonymous and "第一部分</h2>" in anonymous
    assert "<p>第一段第一行<br>第一段第二行</p>" in anonymous
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 第二段" in anonymous and "<script>alert" not in anonymous
    policy = text_of(app.test_client().get("/policy"))
    assert "更新于 2026-03-02" in policy and "陈静" not in policy  # the public page names no member of staff
    with sessions() as s:
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "site_text:updated"))
    assert event.after == {
        "title": "数据共享政策汇编",
        "length": len("# 第一部分\n第一段第一行\n第一段第二行\n\n" "<script>alert(1)</script> 第二段"),
    }
    with at("2026-03-02T10:05:00"):
        trail = text_of(client.get("/admin/audit?action=site_text:updated"))
    assert "修改公开页面文字" in trail and "公开页面文字（政策依据）" in trail and "policy" not in trail


def test_the_sysadmin_sets_the_bureaus_contact_on_the_help_page(app, client):
    login(client, "chenjing")
    assert save(client, "help", "县大数据局数据共享科", "联系人：李娜\n联系电话：0370-6220000").status_code == 302
    page = text_of(app.test_client().get("/help"))
    assert "县大数据局数据共享科" in page and "联系电话：0370-6220000" in page and "6226835" not in page


def test_a_text_too_long_or_empty_is_refused_in_chinese_and_nothing_changes(client):
    login(client, "chenjing")
    refused = save(client, "policy", "", "字" * 50_001)
    assert refused.status_code == 422
    page = text_of(refused)
    assert "标题：请填写标题" in page and "正文：不能超过 50000 个字（现有 50001 个字）" in page
    assert "夏“放管服”组办〔2021〕12号" in text_of(client.get("/policy"))
    invisible = save(client, "help", "联系方式", "联系人：李娜\x07")
    assert invisible.status_code == 422 and "不可见的控制字符" in text_of(invisible)


def test_only_the_sysadmin_edits_the_texts(client):
    login(client, "lina")  # a coordinator, unit admin, applicant and reviewer of the bureau
    assert client.get("/admin/texts/policy").status_code == 403
    assert (
        client.post(
            "/admin/texts/policy", data={"title": "x", "body": "y", "csrf_token": csrf_token(client, "/help")}
        ).status_code
        == 403
    )
    assert "修改此页" not in text_of(client.get("/policy"))
    anonymous_answer = client.application.test_client().get("/admin/texts/policy")
    assert anonymous_answer.status_code == 302 and "/login" in anonymous_answer.headers["Location"]


def test_an_unknown_text_is_404(client):
    login(client, "chenjing")
    assert client.get("/admin/texts/other").status_code == 404
