"""督导考核月报 on the web and the command line: listed and downloaded by the bureau and the units' leaders."""

from tests.helpers import at, login, run_command, text_of


def test_the_bureau_makes_the_report_by_command_then_lists_and_downloads_it(app, client, march_reviews):
    with at("2026-04-02T09:00:00"):
        made = run_command(app, "report", "monthly", "2026-03")
        assert made.exit_code == 0 and "2026-03 督导考核月报" in made.output
        again = run_command(app, "report", "monthly", "2026-04")
        assert again.exit_code == 1 and "尚未结束" in again.output
        login(client, "lina")
        listed = client.get("/supervision/reports")
        assert listed.status_code == 200 and "2026年3月" in text_of(listed)
        pdf = client.get("/supervision/reports/2026-03.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        assert client.get("/supervision/reports/2026-03.xlsx").data[:2] == b"PK"
        assert client.get("/supervision/reports/2026-02.pdf").status_code == 404


def test_a_unit_leader_reads_the_reports_and_an_applicant_does_not(app, client, march_reviews):
    login(client, "huyong")  # 县人社局's 第一责任人
    assert client.get("/supervision/reports").status_code == 200
    applicant = app.test_client()
    login(applicant, "machao")
    assert applicant.get("/supervision/reports").status_code == 403
