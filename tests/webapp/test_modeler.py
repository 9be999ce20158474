"""Modelers check, save drafts and deploy from the browser after a confirmation; nobody else can; bad files explain themselves."""

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.helpers import BPMN_DIR, csrf_token, login
from workflows.models import AuditEvent, ProcessDraft, ProcessVersion

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
CATALOG_UPDATE = (BPMN / "catalog_update.bpmn").read_text(encoding="utf-8")
APPLICATION = (BPMN / "data_application.bpmn").read_text(encoding="utf-8")
THREE_DAYS = APPLICATION.replace('name="period" value="5"', 'name="period" value="3"')
REVIEW_FORM = json.loads((BPMN / "forms" / "application_review.schema.json").read_text(encoding="utf-8"))


def post_xml(client, path, body, token):
    return client.post(path, data=body, headers={"Content-Type": "application/xml", "X-CSRFToken": token})


def post_json(client, path, body, token):
    return client.post(path, json=body, headers={"X-CSRFToken": token})


@pytest.fixture
def modeler(client, processes):
    login(client, "liuyang")
    return csrf_token(client, "/processes/")


def versions_of(sessions, key: str) -> list[ProcessVersion]:
    with sessions() as s:
        return list(
            s.scalars(select(ProcessVersion).where(ProcessVersion.process_key == key).order_by(ProcessVersion.version))
        )


def test_the_confirmation_shows_the_changed_period_and_the_cases_on_each_version(client, modeler):
    body = post_json(client, "/processes/preview", {"xml": THREE_DAYS}, modeler).get_json()
    assert body["ok"] is True and body["dry_run"]["summary"] == "8 条路径全部通过"
    assert body["diff"]["lines"] == ["审核申请：期限 5 → 3 个工作日"] and body["diff"]["changed"] == ["da_review"]
    assert body["latest"]["version"] == 1 and body["versions"] == [{"version": 1, "running": 0, "total": 0}]


def test_a_deploy_needs_a_change_note_and_the_list_shows_who_when_and_why(client, modeler, processes):
    refused = post_json(client, "/processes/deploy", {"xml": THREE_DAYS, "base_version": 1}, modeler)
    assert refused.status_code == 422 and "变更说明" in refused.get_json()["message"]
    for said in ("无", "修改"):  # a note that says nothing is refused like an empty one
        vague = post_json(client, "/processes/deploy", {"xml": THREE_DAYS, "base_version": 1, "note": said}, modeler)
        assert vague.status_code == 422 and "请写明本次修改了什么" in str(vague.get_json())
    assert len(versions_of(processes, "data_application")) == 1
    deployed = post_json(
        client,
        "/processes/deploy",
        {"xml": THREE_DAYS, "base_version": 1, "note": "按新规定审核期限改为 3 个工作日"},
        modeler,
    )
    assert deployed.status_code == 200 and deployed.get_json()["version"] == 2
    page = client.get("/processes/").get_data(as_text=True)
    assert "按新规定审核期限改为 3 个工作日" in page and "刘洋" in page and "第 2 版" in page
    with processes() as s:
        event = s.scalar(
            select(AuditEvent).where(AuditEvent.action == "process:deployed").order_by(AuditEvent.id.desc())
        )
        assert event.after["changes"] == ["审核申请：期限 5 → 3 个工作日"]


def test_a_deploy_based_on_an_older_version_is_refused_instead_of_overwriting(client, modeler, processes):
    post_json(client, "/processes/deploy", {"xml": THREE_DAYS, "base_version": 1, "note": "审核期限改为三天"}, modeler)
    four = APPLICATION.replace('name="period" value="5"', 'name="period" value="4"')
    stale = post_json(
        client, "/processes/deploy", {"xml": four, "base_version": 1, "note": "审核期限改为四天"}, modeler
    )
    assert stale.status_code == 409 and "已由他人部署为第 2 版" in stale.get_json()["message"]
    assert len(versions_of(processes, "data_application")) == 2


def test_a_draft_is_kept_without_deploying_and_can_be_discarded(client, modeler, processes):
    broken = APPLICATION.replace(
        '<bpmn:sequenceFlow id="da_f6" sourceRef="da_review" targetRef="da_route_decision" />', ""
    )
    saved = post_json(client, "/processes/drafts", {"xml": broken, "base_version": 1}, modeler)
    assert saved.status_code == 200 and "尚未部署" in saved.get_json()["message"]
    assert len(versions_of(processes, "data_application")) == 1
    workspace = client.get("/processes/workspace.json?key=data_application").get_json()
    assert workspace["source"] == "draft" and workspace["xml"] == broken and workspace["base_version"] == 1
    assert "正在编辑草稿" in client.get("/processes/data_application/edit").get_data(as_text=True)
    client.post("/processes/data_application/draft/discard", data={"csrf_token": modeler})
    assert client.get("/processes/workspace.json?key=data_application").get_json()["source"] == "version"
    with processes() as s:
        assert s.scalar(select(func.count()).select_from(ProcessDraft)) == 0


def test_a_draft_of_a_process_never_deployed_is_listed_and_reopens(client, modeler):
    xml = (
        APPLICATION.replace('id="data_application"', 'id="data_application_trial"')
        .replace('processRef="data_application"', 'processRef="data_application_trial"')
        .replace('name="数据共享申请"', 'name="数据共享申请（试点）"')
    )
    assert post_json(client, "/processes/drafts", {"xml": xml}, modeler).status_code == 200
    listing = client.get("/processes/").get_data(as_text=True)
    assert "未部署的草稿" in listing and "数据共享申请（试点）" in listing and "尚未部署过" in listing
    page = client.get("/processes/data_application_trial/edit")
    assert page.status_code == 200 and "正在编辑草稿" in page.get_data(as_text=True)
    assert client.get("/processes/no_such_process/edit").status_code == 404


def test_a_form_edited_in_the_modeler_is_checked_and_deployed_with_the_version(client, modeler, processes):
    edited = json.loads(json.dumps(REVIEW_FORM))
    edited["properties"]["reason"]["title"] = "审核理由"
    edited["properties"]["urgent"] = {"type": "boolean", "title": "加急"}
    preview = post_json(
        client, "/processes/preview", {"xml": APPLICATION, "forms": {"application_review.schema.json": edited}}, modeler
    )
    assert (
        "审核申请：表单 application_review.schema.json：新增字段 urgent，修改字段 reason"
        in preview.get_json()["diff"]["lines"]
    )
    post_json(
        client,
        "/processes/deploy",
        {"xml": APPLICATION, "note": "审核表单增加“加急”", "forms": {"application_review.schema.json": edited}},
        modeler,
    )
    latest = versions_of(processes, "data_application")[-1]
    assert (
        latest.version == 2
        and latest.forms["application_review.schema.json"]["properties"]["urgent"]["title"] == "加急"
    )
    assert versions_of(processes, "data_application")[0].forms["application_review.schema.json"] == REVIEW_FORM


@pytest.mark.parametrize(
    "field, expected",
    [
        ({"type": "number", "title": "金额"}, "类型“number”不支持"),
        ({"type": "string", "enum": ["a", "b"], "enumNames": ["甲"]}, "enumNames 应与 enum 一一对应"),
        ({"type": "string", "x-options": "secrets"}, "选项来源 x-options“secrets”不存在"),
    ],
)
def test_a_bad_form_schema_is_refused_naming_the_form_and_the_field(client, modeler, field, expected):
    edited = json.loads(json.dumps(REVIEW_FORM))
    edited["properties"]["extra"] = field
    body = post_json(
        client, "/processes/check", {"xml": APPLICATION, "forms": {"application_review.schema.json": edited}}, modeler
    ).get_json()
    assert body["ok"] is False
    assert any(
        i["element_id"] == "da_review"
        and "application_review.schema.json" in i["message"]
        and "字段 extra" in i["message"]
        and expected in i["message"]
        for i in body["issues"]
    ), body["issues"]


def test_versions_are_viewed_downloaded_and_compared(client, modeler):
    post_json(client, "/processes/deploy", {"xml": THREE_DAYS, "note": "审核期限改为三天"}, modeler)
    page = client.get("/processes/data_application/v1").get_data(as_text=True)
    assert "数据共享申请 第 1 版" in page and "只读" in page and "首次部署" in page
    xml = client.get("/processes/data_application/v2.bpmn")
    assert xml.mimetype == "text/plain" and "attachment" in xml.headers["Content-Disposition"]
    assert 'name="period" value="3"' in xml.get_data(as_text=True)
    compared = client.get("/processes/data_application/compare?from=1&to=2").get_data(as_text=True)
    assert "审核申请：期限 5 → 3 个工作日" in compared and 'data-changed="da_review"' in compared
    assert client.get("/processes/data_application/v9").status_code == 404


def test_comparing_a_version_with_itself_asks_for_two_different_versions(client, modeler):
    post_json(client, "/processes/deploy", {"xml": THREE_DAYS, "note": "审核期限改为三天"}, modeler)
    page = client.get("/processes/data_application/compare?from=2&to=2").get_data(as_text=True)
    assert "请选择两个不同的版本" in page and "两个版本的流程内容相同" not in page


def test_garbage_and_non_utf8_uploads_get_chinese_messages(client, modeler):
    assert "不是有效的 XML" in post_xml(client, "/processes/deploy", b"<oops", modeler).get_json()["details"][0]
    assert "UTF-8" in post_xml(client, "/processes/deploy", "流程".encode("gbk"), modeler).get_json()["details"][0]
    page = client.post(
        "/processes/deploy",
        data={"csrf_token": modeler, "file": (io.BytesIO(b"nonsense"), "x.bpmn")},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "不是有效的 XML" in page
    odd = post_json(client, "/processes/check", {"xml": APPLICATION, "forms": {"../../etc/passwd": {}}}, modeler)
    assert odd.status_code == 422 and "表单文件名" in odd.get_json()["details"][0]


def test_an_upload_needs_a_change_note_too(client, modeler, processes):
    upload = {"csrf_token": modeler, "file": (io.BytesIO(THREE_DAYS.encode()), "data_application.bpmn")}
    assert "变更说明" in client.post("/processes/deploy", data=upload, follow_redirects=True).get_data(as_text=True)
    upload = {
        "csrf_token": modeler,
        "note": "审核期限改为三天",
        "file": (io.BytesIO(THREE_DAYS.encode()), "data_application.bpmn"),
    }
    assert "已部署" in client.post("/processes/deploy", data=upload, follow_redirects=True).get_data(as_text=True)
    assert [v.note for v in versions_of(processes, "data_application")] == ["首次部署", "审核期限改为三天"]


def test_a_file_from_another_modeler_opens_without_its_extensions_and_deploys_once_confirmed(
    client, modeler, processes
):
    exported = (BPMN_DIR / "camunda_export.bpmn").read_bytes()
    refused = post_xml(client, "/processes/deploy", exported, modeler).get_json()
    assert "请在建模器中用“打开文件”打开" in refused["details"][0]
    opened = client.post(
        "/processes/open", data={"file": (io.BytesIO(exported), "导出.bpmn")}, headers={"X-CSRFToken": modeler}
    ).get_json()
    assert opened["process_key"] == "camunda_export" and opened["base_version"] is None
    assert opened["removed"] == [
        "文件：属性 modeler:executionPlatform、属性 modeler:executionPlatformVersion",
        "“外部导出的审核流程”：属性 camunda:historyTimeToLive",
        "“发起”：扩展元素 <signavio:signavioMetaData>",
        "“填写申请”：属性 camunda:assignee、属性 camunda:candidateGroups",
        "“审核”：扩展元素 <camunda:inputOutput>",
        "流程图的显示样式：属性 bioc:stroke、属性 bioc:fill、属性 color:background-color、属性 color:border-color（共 4 处）",
    ]
    assert 'xsi:schemaLocation="' in opened["xml"] and 'xml:lang="zh-CN"' in opened["xml"]  # accepted as they are
    forms = {
        name: opened["forms"][name] for name in ("application_start.schema.json", "application_review.schema.json")
    }
    deployed = post_json(client, "/processes/deploy", {"xml": opened["xml"], "forms": forms}, modeler)
    assert deployed.status_code == 200 and deployed.get_json()["version"] == 1
    with processes() as s:
        stored = s.scalar(select(ProcessVersion.bpmn_xml).where(ProcessVersion.process_key == "camunda_export"))
    assert stored == opened["xml"]


@pytest.mark.parametrize(
    "body, expected",
    [
        (b"hello", "不是有效的 XML：第 1 行第 1 个字符附近开头应为 < 标签"),
        (b"<html><body/></html>", "不是 BPMN 2.0 文件（根元素应为 bpmn:definitions）"),
        ("流程".encode("gbk"), "流程文件不是 UTF-8 编码的 BPMN XML"),
    ],
)
def test_a_file_that_is_not_bpmn_does_not_open_and_says_why(client, modeler, body, expected):
    answer = client.post(
        "/processes/open", data={"file": (io.BytesIO(body), "x.bpmn")}, headers={"X-CSRFToken": modeler}
    )
    assert answer.status_code == 422 and answer.get_json()["details"] == [expected]
    assert answer.get_json()["message"] == "文件无法打开，建模器中的流程图未改变"


OPEN_TO_ALL = {"modeler.index"}  # the process list is for everyone; everything else is for modelers


def modeler_endpoints(app):
    values = {"process_key": "data_application", "number": 1}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("modeler.") and rule.endpoint not in OPEN_TO_ALL:
            method = "POST" if "POST" in rule.methods else "GET"
            yield method, rule.build(values)[1]


@pytest.mark.parametrize("username", ["lina", "machao"])
def test_a_user_without_the_modeler_role_gets_403_on_every_modeler_and_deploy_endpoint(
    app, client, processes, username
):
    login(client, username)
    token = csrf_token(client, "/processes/")
    endpoints = list(modeler_endpoints(app))
    assert len(endpoints) >= 12
    for method, url in endpoints:
        response = (
            client.post(url, data=APPLICATION.encode(), headers={"X-CSRFToken": token})
            if method == "POST"
            else client.get(url)
        )
        assert response.status_code == 403, (method, url)
    assert "在建模器中编辑" not in client.get("/processes/").get_data(as_text=True)
    assert len(versions_of(processes, "data_application")) == 1


def test_invalid_json_is_explained_in_chinese_with_line_and_column(client, modeler):
    broken = client.post(
        "/processes/preview",
        data='{"xml": "<x/>", bad}',
        headers={"Content-Type": "application/json", "X-CSRFToken": modeler},
    )
    assert broken.status_code == 422
    assert "第 1 行第 17 个字符附近：JSON 格式错误" in broken.get_json()["details"][0]
    form_text = '{"title": "办理", "type": "object", bad}'
    answer = post_json(
        client, "/processes/preview", {"xml": APPLICATION, "forms": {"x.schema.json": form_text}}, modeler
    )
    assert answer.status_code == 422
    assert answer.get_json()["details"] == [
        "表单“x.schema.json”：第 1 行第 35 个字符附近：JSON 格式错误（此处应为用双引号括起的属性名或 “}”）"
    ]


SCRIPT = """
import { jsonProblem } from '%s';
console.log(JSON.stringify(process.argv.slice(1).map((t) => jsonProblem(t))));
"""


def test_the_form_editor_explains_invalid_json_in_chinese_like_the_server():
    import subprocess

    module = (Path(__file__).resolve().parents[2] / "webapp" / "static" / "modeler" / "json-errors.js").as_uri()
    texts = ['{"title": "办理", "type": "object", bad}', '{"a": 1,}', "{\n  \"a\": 'x'\n}", '{"a": [1, 2', '{"a": 1}']
    shown = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT % module, *texts], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(shown) == [
        "第 1 行第 35 个字符附近：JSON 格式错误（此处应为用双引号括起的属性名或 “}”）",
        "第 1 行第 9 个字符附近：JSON 格式错误（最后一项后面多了逗号）",
        '第 2 行第 8 个字符附近：JSON 格式错误（字符串和属性名要用双引号 "，不能用单引号）',
        "第 1 行第 12 个字符附近：JSON 格式错误（内容不完整（缺少结尾的括号、引号或值））",
        None,
    ]


LINT_SCRIPT = """
import { readFileSync } from 'node:fs';
import { BpmnModdle } from 'bpmn-moddle';
import { Linter } from 'bpmnlint';
const { lintConfig } = await import('%s');
const extension = (name) => JSON.parse(readFileSync(new URL(name, '%s'), 'utf8'));
const moddle = new BpmnModdle({ spiffworkflow: extension('moddle-spiffworkflow.json'), xiayi: extension('moddle-xiayi.json') });
const { rootElement } = await moddle.fromXML(readFileSync(process.argv[1], 'utf8'));
const roles = ['applicant', 'reviewer', 'coordinator'].map((code) => ({ code, label: code }));
const { resolver, config } = lintConfig({ roles, max_working_days: 1000 });
const reports = await new Linter({ resolver, config }).lint(rootElement);
console.log(JSON.stringify(Object.values(reports).flat().filter((r) => r.category === 'error')));
"""


def browser_lint(tmp_path, xml: str) -> list[dict]:
    """Our bpmnlint rules (webapp/static/modeler/lint.js) as the browser modeler runs them while drawing."""
    import subprocess

    folder = Path(__file__).resolve().parents[2] / "webapp" / "static" / "modeler"
    (tmp_path / "diagram.bpmn").write_text(xml, encoding="utf-8")
    script = LINT_SCRIPT % ((folder / "lint.js").as_uri(), folder.as_uri() + "/")
    shown = subprocess.run(
        ["node", "--no-warnings", "--input-type=module", "-e", script, str(tmp_path / "diagram.bpmn")],
        capture_output=True,
        text=True,
        check=True,
        cwd=folder,
    ).stdout
    return [{"id": r["id"], "message": r["message"]} for r in json.loads(shown)]


def test_while_drawing_a_conditional_and_a_default_flow_to_one_step_pass_and_a_true_duplicate_is_named(tmp_path):
    xml = (BPMN_DIR / "condition_and_default.bpmn").read_text(encoding="utf-8")
    assert browser_lint(tmp_path, xml) == []
    twin = '<bpmn:sequenceFlow id="cd_f6b" sourceRef="cd_decision" targetRef="cd_archive" />'
    flow = '<bpmn:sequenceFlow id="cd_f6" sourceRef="cd_decision" targetRef="cd_archive" />'
    assert browser_lint(tmp_path, xml.replace(flow, flow + twin)) == [
        {
            "id": "cd_f6b",
            "message": "「审核意见」到「归档」的连线重复：已有一条起点和终点相同的连线，都没有条件，请删除多余的一条",
        }
    ]
    assert browser_lint(
        tmp_path, xml.replace('<bpmn:conditionExpression>decision == "reject"</bpmn:conditionExpression>', "")
    ) == [
        {"id": "cd_decision", "message": "网关“审核意见”有 3 条出口，除默认流外每条都需要条件"},
        {"id": "cd_f5", "message": "「审核意见」到「不通过」的连线需要条件表达式，或设为网关的默认流"},
    ]


def test_a_repeated_identical_deploy_answers_with_the_version_the_first_one_created(client, modeler, processes):
    body = {"xml": THREE_DAYS, "base_version": 1, "note": "按新规定审核期限改为 3 个工作日"}
    first = post_json(client, "/processes/deploy", body, modeler).get_json()
    second = post_json(client, "/processes/deploy", body, modeler).get_json()
    assert first["version"] == second["version"] == 2
    assert second["message"] == first["message"] and second["message"].startswith("已部署 数据共享申请 第 2 版")
    assert len(versions_of(processes, "data_application")) == 2
    page = client.get("/processes/data_application/edit").get_data(as_text=True)
    assert "当前部署：第 2 版" in page
    again = post_json(client, "/processes/deploy", body | {"base_version": 2}, modeler).get_json()
    assert again["message"] == "内容未变化，仍为第 2 版"
