"""The address in approval records' QR codes: the sysadmin is warned when it is a loopback address while people
reach the system at another one (production)."""

import re

from tests.helpers import login, text_of

WARNING = "核验地址是本机地址"
REMOTE = {"Host": "data.xiayi.gov.example"}  # how people reach a production installation


def remote_login(client, username: str) -> None:
    page = client.get("/login", headers=REMOTE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", headers=REMOTE, data={"username": username, "password": "Demo@2026", "csrf_token": token})


def test_the_sysadmin_is_warned_when_records_would_point_at_a_loopback_address(client):
    remote_login(client, "chenjing")
    page = text_of(client.get("/admin/records", headers=REMOTE))
    assert WARNING in page and "PUBLIC_BASE_URL" in page and "http://data.xiayi.gov.example" in page
    assert WARNING in text_of(client.get("/admin/calendar", headers=REMOTE))


def test_no_warning_on_the_demo_machine_or_with_a_real_address(app, client):
    login(client, "chenjing")
    page = text_of(client.get("/admin/records"))
    assert "生成情况" in page and WARNING not in page  # served and reached on this machine
    remote = app.test_client()
    remote_login(remote, "chenjing")
    app.config["PUBLIC_BASE_URL"] = "https://data.xiayi.gov.example"
    try:
        page = text_of(remote.get("/admin/records", headers=REMOTE))
        assert "生成情况" in page and WARNING not in page
    finally:
        app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
