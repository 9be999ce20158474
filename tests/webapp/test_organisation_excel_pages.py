"""Importing people from Excel on the page: upload, preview, confirm; a bad row changes nothing and says where."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from tests.helpers import csrf_token, login, person
from tests.helpers import people_workbook as workbook
from workflows.models import Person


def upload(client, data: bytes, name: str = "人员.xlsx"):
    token = csrf_token(client, "/org/people/import")
    return client.post(
        "/org/people/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_preview_and_confirm(client, sessions):
    login(client, "sunjie")
    preview = upload(client, workbook([["zhaoyun", "赵云", "mzj", "科员", "", "申请人", ""]]))
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "新建账号 赵云（县民政局）" in page and "确认导入" in page
    with sessions() as s:
        assert person(s, "zhaoyun") is None
    import_id = re.search(r'name="import_id" value="(\d+)"', page).group(1)
    done = client.post(
        "/org/people/import/confirm",
        data={"csrf_token": csrf_token(client, "/org/people/import"), "import_id": import_id},
    )
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    assert "zhaoyun" in page and "只显示这一次" in page
    again = client.post(
        "/org/people/import/confirm",
        data={"csrf_token": csrf_token(client, "/org/people/import"), "import_id": import_id},
    )
    assert again.status_code == 404 and "已执行、已过期或不存在" in again.get_data(as_text=True)


def test_a_file_with_a_bad_row_is_refused_with_its_row_and_nothing_changes(client, sessions):
    with sessions() as s:
        before = s.scalar(select(func.count()).select_from(Person))
    login(client, "chenjing")
    response = upload(
        client,
        workbook(
            [["zhaoyun", "赵云", "mzj", "", "", "申请人", ""], ["guanyu", "关羽", "mzj", "", "", "申请人；boss", ""]]
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "导入文件有 1 处问题，未导入任何内容" in page and "第4行 角色：“boss”无效" in page
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == before


def test_a_csv_renamed_or_not_is_refused_in_chinese(client, sessions):
    login(client, "chenjing")
    for name in ("人员.csv", "人员.xlsx"):
        response = upload(client, "用户名,姓名\nzhaoyun,赵云\n".encode(), name)
        assert response.status_code == 422 and "不是有效的 Excel 工作簿" in response.get_data(as_text=True)


def test_the_export_opens_as_a_workbook_of_the_admins_people(client, sessions):
    from openpyxl import load_workbook

    login(client, "sunjie")
    response = client.get("/org/people/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["人员"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        "wugang",
        "xufang",
        "sunjie",
        "machao",
        "zhuxia",
    ]
