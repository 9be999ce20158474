"""Usage on the pages: a unit's upload (CSV or Excel) with every bad row named, the command line import, a grant's
months, a unit's lists as grantee and provider, and the interface list ordered by real calls."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import event
from openpyxl import load_workbook

from tests.helpers import COMPANY_CHECKS, at, csrf_token, login, person, run_command, text_of, unit
from workflows.usage import ingest, upload

HEADER = "记录编号,授权编号,申请编号,使用单位代码,目录条目代码,接口编码,调用时间,调用方式,调用次数,失败次数,应用场景\n"


@pytest.fixture
def granted(api) -> dict:
    """县民政局's grant on the company register, created on 13 February 2026."""
    created = api.apply(**COMPANY_CHECKS)
    return {"id": created["grant"]["id"], "number": created["number"]}


def post_file(client, data: bytes, name: str, unit_id: int | None = None):
    token = csrf_token(client, "/usage/upload")
    chosen = {"unit": str(unit_id)} if unit_id else {}
    return client.post(
        "/usage/upload",
        data={"file": (io.BytesIO(data), name), "csrf_token": token} | chosen,
        content_type="multipart/form-data",
    )


def unit_id_of(sessions, code: str) -> int:
    with sessions() as s:
        return unit(s, code).id


def workbook_with(*rows) -> bytes:
    book = load_workbook(io.BytesIO(upload.template_workbook()))
    for row in rows:
        book[upload.SHEET].append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_of(granted: dict) -> bytes:
    rows = [
        f"示例-0001,,{granted['number']},,,,2026-02-13 09:00,接口调用,5,0,示例行不导入",
        f"m-1,,{granted['number']},,,,2026-02-13 09:00,接口调用,100,4,企业开办",
        f"m-2,{granted['id']},,,,,2026-02-13 09:10,文件下载,3,5,企业开办",
        "m-3,,,gaj,XY-GA-001,,2026-02-13 09:10,接口调用,1,0,",
        "m-4,,,mzj,XY-GA-001,,2026-02-13 09:10,传真,1,0,",
        f"m-5,{granted['id']},,,,,2026-02-13 09:20,库表交换,7,0,企业开办",
    ]
    return (HEADER + "\n".join(rows) + "\n").encode("utf-8")


def test_a_unit_admin_uploads_a_csv_and_every_bad_row_is_named_by_its_number(client, api, granted):
    with at("2026-02-13T10:00:00"):
        login(client, "sunjie")  # 县民政局's 目录管理员
        page = text_of(post_file(client, csv_of(granted), "usage.csv"))
        assert "已导入 2 条" in page
        assert "第4行：失败次数：不能大于调用次数" in page  # the columns by their titles alone
        assert "第5行：只能上传报送单位作为使用单位或提供单位的调用记录" in page
        assert "第6行：调用方式：应为 “接口调用”“库表交换”或“文件下载”" in page  # as the clerk writes them
        again = text_of(post_file(client, csv_of(granted), "usage.csv"))
        assert "已导入 0 条，重复 2 条" in again
        months = text_of(client.get(f"/usage/grants/{granted['id']}"))
    assert "107" in months and "2026-02" in months


def test_an_excel_upload_keeps_the_time_typed_and_the_good_rows(client, api, granted, sessions):
    data = workbook_with(
        ["x-1", granted["id"], "", "", "", "", "2026-02-13 08:00", "接口调用", 9, 1, "企业开办"],
        ["x-2", granted["id"], "", "", "", "", "明天", "接口调用", 9, 1, ""],
    )
    with at("2026-02-13T10:00:00"):
        login(client, "lina")  # a coordinator uploads for any unit, naming it
        unnamed = post_file(client, data, "usage.xlsx")
        assert unnamed.status_code == 422 and "报送单位：请选择这批记录是哪个单位的" in text_of(unnamed)
        page = text_of(post_file(client, data, "usage.xlsx", unit_id_of(sessions, "mzj")))
        assert "已导入 1 条" in page and "第4行：调用时间：格式有误，应为日期和时间，如 2026-12-05 09:30" in page
        assert "9" in text_of(client.get(f"/usage/grants/{granted['id']}"))


def test_the_same_file_uploaded_by_the_unit_and_by_the_bureau_for_it_counts_once(app, api, granted, sessions):
    good = (HEADER + f"d-1,,{granted['number']},,,,2026-02-13 09:00,接口调用,40,0,企业开办\n").encode()
    with at("2026-02-13T10:00:00"):
        unit_admin, bureau = signed_in(app, "sunjie"), signed_in(app, "lina")
        first = text_of(unit_admin.get(post_file(unit_admin, good, "usage.csv").headers["Location"]))
        sent = post_file(bureau, good, "usage.csv", unit_id_of(sessions, "mzj"))
        assert sent.headers["Location"].endswith(f"/usage/?unit={unit_id_of(sessions, 'mzj')}")  # the unit's page
        again = text_of(bureau.get(sent.headers["Location"]))
        months = text_of(unit_admin.get(f"/usage/grants/{granted['id']}"))
    assert "新增 1 条" in first and "新增 0 条，重复 1 条" in again
    assert "40" in months and "80" not in months


def test_excel_day_numbers_and_dates_written_the_chinese_way_are_read_as_the_time_meant(client, api, granted):
    data = workbook_with(
        ["t-1", "", granted["number"], "", "", "", 46066.375, "接口调用", 11, 0, "企业开办"],  # 2026-02-12 09:00
        ["t-2", "", granted["number"], "", "", "", "2026年2月12日 10时30分", "库表交换", 22, 0, "企业开办"],
        ["t-3", "", granted["number"], "", "", "", "2026/2/12", "文件下载", 33, 0, "企业开办"],
        ["t-4", "", granted["number"], "", "", "", "1999-02-12 10:00", "文件下载", 44, 0, "企业开办"],
    )
    with at("2026-02-13T10:00:00"):
        login(client, "sunjie")
        page = text_of(post_file(client, data, "usage.xlsx"))
        months = text_of(client.get(f"/usage/grants/{granted['id']}"))
    assert "已导入 3 条" in page and "第6行：调用时间：早于 2020 年，请检查是否填错" in page
    assert "2026-02" in months and "66" in months and "1970" not in months  # 11 + 22 + 33, none in 1970


def test_a_column_named_twice_is_refused_before_anything_is_stored(client, api, granted):
    twice = HEADER.replace("失败次数", "调用次数")
    data = (twice + f"c-1,,{granted['number']},,,,2026-02-13 09:00,接口调用,1,500,企业开办\n").encode()
    with at("2026-02-13T10:00:00"):
        login(client, "sunjie")
        refused = post_file(client, data, "usage.csv")
        months = text_of(client.get(f"/usage/grants/{granted['id']}"))
    assert refused.status_code == 422 and "第1行的列“调用次数”出现了不止一次，请删去多余的列" in text_of(refused)
    assert "500" not in months


def test_a_file_that_is_no_spreadsheet_or_has_no_rows_is_refused_in_chinese(client, api):
    login(client, "sunjie")
    refused = post_file(client, b"\x00\x01binary", "usage.xlsx")
    assert refused.status_code == 422 and "文件无法读取" in text_of(refused)
    empty = post_file(client, HEADER.encode(), "usage.csv")
    assert empty.status_code == 422 and "没有要导入的行" in text_of(empty)
    wrong = post_file(client, "名称,数量\n甲,1\n".encode(), "usage.csv")
    assert wrong.status_code == 422 and "缺少列" in text_of(wrong)


def signed_in(app, username: str):
    client = app.test_client()
    login(client, username)
    return client


def test_an_applicant_may_not_upload_and_the_templates_download(app, demo_catalog):
    assert signed_in(app, "machao").get("/usage/upload").status_code == 403
    client = signed_in(app, "sunjie")
    xlsx = client.get("/usage/template.xlsx")
    assert xlsx.status_code == 200 and upload.SHEET in load_workbook(io.BytesIO(xlsx.data)).sheetnames
    assert client.get("/usage/template.csv").data.decode("utf-8-sig").startswith("记录编号,")


def test_the_command_line_import_prints_the_numbers_and_exits_1_on_a_problem(app, api, granted, tmp_path):
    path = tmp_path / "usage.csv"
    path.write_bytes(csv_of(granted))
    with at("2026-02-13T10:00:00"):
        result = run_command(app, "usage", "import", str(path))
        assert result.exit_code == 1 and "新增 3 条，重复 0 条，有问题 2 行" in result.output
        assert "第4行" in result.output
        good = tmp_path / "good.csv"
        good.write_bytes((HEADER + f"c-1,{granted['id']},,,,,2026-02-13 09:00,接口调用,1,0,\n").encode())
        ok = run_command(app, "usage", "import", str(good))
        assert ok.exit_code == 0 and "新增 1 条" in ok.output


def test_a_grant_s_usage_page_is_not_found_for_a_third_unit(client, api, granted):
    login(client, "heming")  # 县人社局: neither holds nor provides it
    assert client.get(f"/usage/grants/{granted['id']}").status_code == 404


def test_the_unit_list_shows_usage_as_grantee_and_as_provider(app, api, granted, sessions):
    with at("2026-02-13T10:00:00"), sessions.begin() as s:
        body = {"records": [{"id": "u-1", "grant_id": granted["id"], "at": "2026-02-13T09:00:00+08:00",
                             "call_type": "interface", "count": 4321}]}  # fmt: skip
        ingest.ingest_json(s, person(s, "platform"), "k", json.dumps(body).encode())
    with at("2026-02-13T10:00:00"):
        page = signed_in(app, "sunjie").get("/usage/").get_data(as_text=True)
        assert "4,321" in page[page.index("usage-as-grantee") : page.index("usage-as-provider")]
        page = signed_in(app, "zhenghui").get("/usage/").get_data(as_text=True)  # 县市场监管局, the provider
        assert "4,321" in page[page.index("usage-as-provider") :]
        with sessions() as s:
            mzj = person(s, "sunjie").unit_id
        assert "4,321" in signed_in(app, "lina").get(f"/usage/?unit={mzj}").get_data(as_text=True)


def test_another_units_usage_is_not_found_for_a_unit_admin(client, demo_catalog, sessions):
    with sessions() as s:
        other = person(s, "zhenghui").unit_id
    login(client, "sunjie")
    assert client.get(f"/usage/?unit={other}").status_code == 404


def test_interfaces_are_ordered_by_their_real_calls_of_the_last_30_days(client, demo_catalog, sessions):
    with at("2026-03-10T10:00:00"), sessions.begin() as s:
        records = [
            {"id": "f-1", "unit_code": "mzj", "resource_code": "XY-GA-003", "interface_code": "IF-004",
             "at": "2026-03-09T10:00:00+08:00", "call_type": "interface", "count": 900000},
            {"id": "f-2", "unit_code": "mzj", "resource_code": "XY-GA-003", "interface_code": "IF-004",
             "at": "2026-01-01T10:00:00+08:00", "call_type": "interface", "count": 5000000},
        ]  # fmt: skip
        ingest.ingest_json(s, person(s, "platform"), "freq", json.dumps({"records": records}).encode())
    with at("2026-03-10T10:00:00"):
        login(client, "machao")
        page = text_of(client.get("/catalog/interfaces?sort=-monthly_calls&per_page=3"))
        assert page.index("名下机动车查询") < page.index("900,000") and "5,900,000" not in page
        ranged = text_of(client.get("/catalog/interfaces?min_calls=800000&per_page=50"))
        assert "名下机动车查询" in ranged and "户籍人口身份核验" not in ranged


def statements_of(engine, call) -> int:
    """The statements one call runs, once the caches are warm."""
    call()
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert call().status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_usage_page_runs_as_many_statements_with_twice_the_lines_and_anomalies(app, demo_catalog, db_engine):
    codes = iter(["XY-GA-001", "XY-GA-002", "XY-GA-003", "XY-RS-001", "XY-ZR-001", "XY-WJ-001"])

    def add(n: int) -> None:
        records = [
            {"id": f"q-{code}", "unit_code": "mzj", "resource_code": code, "at": "2026-03-09T10:00:00+08:00",
             "call_type": "table", "count": 7}
            for code in (next(codes) for _ in range(n))
        ]  # fmt: skip
        with demo_catalog.begin() as s:
            report = ingest.ingest_json(
                s, person(s, "platform"), f"q{n}{records[0]['id']}", json.dumps({"records": records}).encode()
            )
            assert report.accepted == n

    with at("2026-03-10T10:00:00"):
        client = signed_in(app, "sunjie")
        add(3)
        with_n = statements_of(db_engine, lambda: client.get("/usage/"))
        add(3)
        with_2n = statements_of(db_engine, lambda: client.get("/usage/"))
        page = client.get("/usage/").get_data(as_text=True)
    assert with_2n == with_n, (with_n, with_2n)
    assert page.count("无授权调用") >= 6


def test_a_csv_saved_by_excel_on_chinese_windows_in_gbk_is_read(client, api, granted):
    data = (HEADER + f"g-1,,{granted['number']},,,,2026-02-13 09:00,接口调用,12,0,企业开办\n").encode("gbk")
    with at("2026-02-13T10:00:00"):
        login(client, "sunjie")
        sent = post_file(client, data, "usage.csv")
        assert sent.status_code == 302 and "新增 1 条" in text_of(client.get(sent.headers["Location"]))


def test_a_csv_time_that_is_a_bare_number_is_refused_and_a_clerks_ways_of_writing_are_read(client, api, granted):
    number = granted["number"]
    rows = [
        f"n-1,,{number},,,,46000,接口调用,5,0,企业开办",  # a typo, or Excel's day number pasted as text: not guessed
        f"n-2,,{number},,,,,接口调用,5,0,企业开办",
        f"n-3,,{number.lower()},,,,2026年2月12日 10时,接口调用,7,0,企业开办",
    ]
    with at("2026-02-13T10:00:00"):
        login(client, "sunjie")
        page = text_of(post_file(client, (HEADER + "\n".join(rows) + "\n").encode(), "usage.csv"))
    assert "已导入 1 条" in page
    assert "第2行：调用时间：应为日期和时间，如 2026-12-05 09:30" in page and "第3行：调用时间：必填" in page
