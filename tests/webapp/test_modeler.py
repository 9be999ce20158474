"""Modelers check and deploy diagrams from the browser; nobody else can, and bad files explain themselves."""
import io
from pathlib import Path

from tests.helpers import csrf_token, login

BPMN = Path(__file__).resolve().parents[2] / "bpmn"
CATALOG_UPDATE = (BPMN / "catalog_update.bpmn").read_bytes()


def post_xml(client, path, body, token):
    return client.post(path, data=body, headers={"Content-Type": "application/xml", "X-CSRFToken": token})


def test_a_modeler_deploys_a_new_version_and_running_cases_keep_theirs(client, processes):
    login(client, "liuyang")
    token = csrf_token(client, "/processes/")
    changed = CATALOG_UPDATE.replace("更新目录</".encode(), "更新目录（新版）</".encode()).replace(
        'name="更新目录"'.encode(), 'name="更新目录（新版）"'.encode())
    response = post_xml(client, "/processes/deploy", changed, token)
    assert response.status_code == 200 and response.get_json()["version"] == 2
    page = client.get("/processes/").get_data(as_text=True)
    assert "第 2 版" in page and "当前" in page


def test_the_check_names_the_element_and_the_problem(client, processes):
    login(client, "liuyang")
    token = csrf_token(client, "/processes/")
    bad = CATALOG_UPDATE.replace(b'emit("reminder", task="cu_update")', b"__import__('os').system('id')")
    body = post_xml(client, "/processes/check", bad, token).get_json()
    assert body["ok"] is False and body["issues"][0]["element_id"] == "cu_send_reminder"
    response = post_xml(client, "/processes/deploy", bad, token)
    assert response.status_code == 422 and "未部署" in response.get_json()["message"]


def test_garbage_and_non_utf8_uploads_get_chinese_messages(client, processes):
    login(client, "liuyang")
    token = csrf_token(client, "/processes/")
    assert "不是有效的 XML" in post_xml(client, "/processes/deploy", b"<oops", token).get_json()["details"][0]
    assert "UTF-8" in post_xml(client, "/processes/deploy", "流程".encode("gbk"), token).get_json()["details"][0]
    page = client.post("/processes/deploy", data={"csrf_token": token, "file": (io.BytesIO(b"nonsense"), "x.bpmn")},
                       follow_redirects=True).get_data(as_text=True)
    assert "不是有效的 XML" in page


def test_only_modelers_may_edit_or_deploy(client, processes):
    login(client, "lina")
    token = csrf_token(client, "/processes/")
    assert client.get("/processes/catalog_update/edit").status_code == 403
    assert post_xml(client, "/processes/deploy", CATALOG_UPDATE, token).status_code == 403
    assert "在建模器中编辑" not in client.get("/processes/").get_data(as_text=True)
