"""A diagram cannot carry code for browsers: every deploy route refuses it, and a version's XML is a private download."""

import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from tests.helpers import SH, csrf_token, login, person
from workflows import clock
from workflows.models import Application, ProcessInstance, ProcessVersion
from workflows.sharing import applications

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
CATALOG_UPDATE = (BPMN / "catalog_update.bpmn").read_text(encoding="utf-8")
UPDATE_TASK = '<bpmn:userTask id="cu_update" name="更新目录">'
SCRIPT_IN_DOCUMENTATION = (
    '<bpmn:documentation><html:script xmlns:html="http://www.w3.org/1999/xhtml">'
    "fetch('/api/v1/tokens', {method: 'POST'})</html:script></bpmn:documentation>"
)
WITH_SCRIPT = CATALOG_UPDATE.replace(UPDATE_TASK, UPDATE_TASK + SCRIPT_IN_DOCUMENTATION)
REFUSAL = "[cu_update] “更新目录”的说明（documentation）只能是纯文本，不能包含元素 <html:script>"


def post_xml(client, path, body: str, token: str):
    return client.post(
        path, data=body.encode("utf-8"), headers={"Content-Type": "application/xml", "X-CSRFToken": token}
    )


def test_the_modeler_check_and_deploy_refuse_a_script_in_documentation_naming_the_task(client, processes):
    login(client, "liuyang")
    token = csrf_token(client, "/processes/")
    checked = post_xml(client, "/processes/check", WITH_SCRIPT, token).get_json()
    assert checked["ok"] is False
    assert any(i["element_id"] == "cu_update" and "只能是纯文本" in i["message"] for i in checked["issues"])
    deployed = post_xml(client, "/processes/deploy", WITH_SCRIPT, token)
    assert deployed.status_code == 422 and "未部署" in deployed.get_json()["message"]
    assert any(line.startswith(REFUSAL) for line in deployed.get_json()["details"])


def test_an_uploaded_file_with_a_foreign_attribute_is_refused_naming_the_task(client, processes):
    login(client, "liuyang")
    token = csrf_token(client, "/processes/")
    for xml in (WITH_SCRIPT, CATALOG_UPDATE.replace(UPDATE_TASK, UPDATE_TASK.replace(">", ' onload="alert(1)">'))):
        page = client.post(
            "/processes/deploy",
            data={"csrf_token": token, "file": (io.BytesIO(xml.encode()), "catalog_update.bpmn")},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "未部署" in page and "[cu_update]" in page
    assert "不允许的属性“onload”" in page
    with processes() as s:
        assert (
            s.scalar(
                select(ProcessVersion.version)
                .where(ProcessVersion.process_key == "catalog_update")
                .order_by(ProcessVersion.version.desc())
                .limit(1)
            )
            == 1
        )


def write_diagram(folder: Path, xml: str) -> Path:
    (folder / "forms").mkdir(parents=True, exist_ok=True)
    for form in (BPMN / "forms").iterdir():
        (folder / "forms" / form.name).write_text(form.read_text(encoding="utf-8"), encoding="utf-8")
    path = folder / "catalog_update.bpmn"
    path.write_text(xml, encoding="utf-8")
    return path


def test_the_cli_refuses_a_script_in_documentation_naming_the_task(app, sessions, tmp_path):
    result = app.test_cli_runner().invoke(args=["deploy-bpmn", str(write_diagram(tmp_path, WITH_SCRIPT))])
    assert result.exit_code == 1 and "未部署" in result.output and REFUSAL in result.output


@pytest.mark.parametrize("expression", ["-" * 3000 + "1", "1+" * 100000 + "1", "[" * 150 + "]" * 150])
def test_the_cli_refuses_a_deeply_nested_expression_in_chinese_without_a_traceback(app, sessions, tmp_path, expression):
    xml = CATALOG_UPDATE.replace('task_due("cu_update")</bpmn:timeDate>', f"{expression}</bpmn:timeDate>", 1)
    assert xml != CATALOG_UPDATE
    result = app.test_cli_runner().invoke(args=["deploy-bpmn", str(write_diagram(tmp_path, xml))])
    assert result.exit_code == 1, result.output
    assert "定时器表达式不安全" in result.output and ("嵌套层数过多" in result.output or "内容过长" in result.output)
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output  # not RecursionError


# --- the XML download ---------------------------------------------------------


@pytest.fixture
def case_version(processes, demo_catalog):
    """machao (县民政局) has applied for 县公安局's XY-GA-001: a case on the latest 数据共享申请 version."""
    raw = {
        "resource_code": "XY-GA-001",
        "items": ["姓名"],
        "scenario": "临时救助对象身份核验",
        "basis": "《社会救助暂行办法》第四十七条",
        "purpose": "核验临时救助对象身份",
        "frequency": "weekly",
        "undertaking": True,
    }
    with time_machine.travel(datetime(2026, 2, 13, 10, 0, tzinfo=SH), tick=False):
        with processes.begin() as s:
            raw["valid_until"] = (clock.today() + timedelta(days=90)).isoformat()
            app_id = applications.apply(s, person(s, "machao"), raw).id
    with processes() as s:
        return s.scalar(
            select(ProcessInstance.process_version_id)
            .join(Application, Application.instance_id == ProcessInstance.id)
            .where(Application.id == app_id)
        )


def test_a_version_is_served_as_a_plain_text_download_that_no_browser_runs(client, case_version, processes):
    login(client, "machao")
    response = client.get(f"/tasks/diagram/{case_version}.bpmn")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    with processes() as s:
        assert response.get_data(as_text=True) == s.get(ProcessVersion, case_version).bpmn_xml


@pytest.mark.parametrize(
    "username, status",
    [
        ("liuyang", 200),  # modeler
        ("machao", 200),  # applicant of the unit whose case runs on it
        ("huangtao", 200),  # reviewer of the provider unit, whose task it is
        ("lina", 200),  # coordinator: sees every case
        ("gaopeng", 404),  # 县人社局: no case of theirs on this version
        ("chenjing", 404),  # sysadmin of 县大数据局: no case of theirs either
    ],
)
def test_only_modelers_and_people_who_can_see_a_case_on_the_version_get_its_xml(client, case_version, username, status):
    login(client, username)
    assert client.get(f"/tasks/diagram/{case_version}.bpmn").status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in_and_unknown_versions_do_not_exist(client, case_version):
    response = client.get(f"/tasks/diagram/{case_version}.bpmn")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, "machao")
    assert client.get(f"/tasks/diagram/{case_version + 1000}.bpmn").status_code == 404
    assert client.get(f"/tasks/diagram/{2**70}.bpmn").status_code == 404
