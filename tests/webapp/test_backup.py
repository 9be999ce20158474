"""The backup and restore drill: back up while people work, restore into a fresh database, and find it whole.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (pg_dump of an exported snapshot), as CI does.
"""

from __future__ import annotations

import json
import shutil
import threading

from sqlalchemy import func, select, text

from tests.conftest import fresh_database_url
from tests.helpers import HOUSEHOLD, another_case, decide, person, run_command, text_of
from webapp import create_app
from workflows import backup, operations
from workflows.db import Base, make_engine, make_session_factory
from workflows.models import Application, ApprovalRecord
from workflows.sharing import applications, records

SCAN = "%PDF-1.4\n% 低保申请受理通知书扫描件\n".encode() + bytes(range(256)) * 8
REJECTION = {
    "decision": "reject",
    "reason": "申请的公民身份号码超出低保核对所需范围，请改为只申请姓名和户籍地址后重新申请",
    "rejection_category": "scope_exceeds",
    "concerns": ["公民身份号码"],
}


def _url(sessions) -> str:
    return sessions.kw["bind"].url.render_as_string(hide_password=False)


def _app(url: str):
    return create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "test-secret"})


def _submit_and_decide(sessions, n: int) -> None:
    """One applicant's round: a draft with a scanned notice attached, submitted, then approved or rejected."""
    with sessions.begin() as s:
        machao = person(s, "machao")
        draft = applications.save_draft(s, machao, machao.unit_id, another_case(s, "machao", HOUSEHOLD), complete=True)
        applications.add_attachment(
            s, machao, draft.id, f"受理通知书{n}.pdf", "application/pdf", SCAN + str(n).encode()
        )
        app_id = applications.submit(s, machao, draft.id).id
    if n % 2:
        decide(sessions, app_id, decision="approve")
    else:
        decide(sessions, app_id, "sunhong", **REJECTION)


class Office(threading.Thread):
    """People submitting and deciding applications until told to stop; commits go on through the backup."""

    def __init__(self, sessions):
        super().__init__(daemon=True)
        self.sessions, self.rounds, self.errors = sessions, 0, []
        self.stop, self.worked = threading.Event(), threading.Event()
        self.snapshot_taken, self.worked_after_snapshot = threading.Event(), threading.Event()

    def run(self):
        while not self.stop.is_set():
            try:
                _submit_and_decide(self.sessions, 100 + self.rounds)
            except Exception as exc:  # noqa: BLE001  (the drill reports it)
                self.errors.append(repr(exc))
                return
            self.rounds += 1
            self.worked.set()
            if self.snapshot_taken.is_set():
                self.worked_after_snapshot.set()

    def say(self, line: str) -> None:
        """The backup's progress: once its snapshot is fixed, let another decision commit before it goes on."""
        if line.startswith(("已固定数据库快照", "正在统计")):
            self.snapshot_taken.set()
            assert self.worked_after_snapshot.wait(120), "no application was decided during the backup"


def test_a_backup_taken_while_people_work_restores_whole_into_a_fresh_database(committing_sessions, ready, tmp_path):
    for n in range(2):
        _submit_and_decide(ready, n)
    assert records.render_pending(ready) == 2  # the stored PDFs of the first decisions are in the backup too
    office = Office(ready)
    office.start()
    assert office.worked.wait(120)  # the backup starts in the middle of the working day
    source = make_engine(_url(ready))
    try:
        manifest = backup.backup(source, tmp_path / "backup", office.say)
    finally:
        office.stop.set()
        office.join()
        source.dispose()
    assert office.errors == []
    with ready() as s:
        assert s.scalar(select(func.count()).select_from(Application)) > manifest["tables"]["application"]
    kinds = {f["kind"] for f in manifest["stored_files"]}
    assert {"申请附件", "审批记录 PDF"} <= kinds

    url, drop = fresh_database_url(tmp_path)
    restored_app = _app(url)
    try:
        result = run_command(restored_app, "restore", str(tmp_path / "backup"))
        assert result.exit_code == 0, result.output
        assert "正在核对" in result.output and "恢复完成" in result.output and "与备份清单一致" in result.output
        restored = make_session_factory(restored_app.extensions["db_engine"])
        with restored() as s:
            assert operations.check_integrity(s) == []
            for table in Base.metadata.sorted_tables:
                assert s.scalar(select(func.count()).select_from(table)) == manifest["tables"][table.name], table.name
            assert s.scalar(text("SELECT version_num FROM alembic_version")) == manifest["migration_head"]
            kept = s.scalars(select(ApprovalRecord)).all()
        assert len(kept) == manifest["tables"]["approval_record"] >= 3
        client = restored_app.test_client()
        for record in kept:
            assert records.digest(record.content) == record.sha256
            page = text_of(client.get(f"/verify/{record.sha256}"))
            assert "记录真实有效" in page and record.sha256 in page
    finally:
        restored_app.extensions["db_engine"].dispose()
        drop()


def test_the_backup_command_prints_its_progress_and_a_manifest_of_hashes(committing_sessions, tmp_path):
    app = _app(_url(committing_sessions))
    result = run_command(app, "backup", str(tmp_path / "b"))
    app.extensions["db_engine"].dispose()
    assert result.exit_code == 0, result.output
    assert "开始备份" in result.output and "备份完成" in result.output and "SHA-256" in result.output
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))
    dump = tmp_path / "b" / manifest["files"][0]["path"]
    assert manifest["files"][0] == {"path": dump.name, "sha256": backup.sha256_of(dump), "size": dump.stat().st_size}
    assert manifest["tables"]["person"] == 77 and manifest["migration_head"] == backup.code_head()
    assert manifest["created_at"]
    again = run_command(_app(_url(committing_sessions)), "backup", str(tmp_path / "b"))
    assert again.exit_code != 0 and "不是空目录" in again.output


def test_a_tampered_backup_is_refused_naming_the_file_and_nothing_is_restored(committing_sessions, tmp_path):
    app = _app(_url(committing_sessions))
    assert run_command(app, "backup", str(tmp_path / "b")).exit_code == 0
    app.extensions["db_engine"].dispose()
    name = json.loads((tmp_path / "b" / "manifest.json").read_text(encoding="utf-8"))["files"][0]["path"]
    dump = tmp_path / "b" / name
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    url, drop = fresh_database_url(tmp_path)
    target = _app(url)
    try:
        result = run_command(target, "restore", str(tmp_path / "b"))
        assert result.exit_code != 0
        assert f"备份文件 {name} 与清单记录的 SHA-256 不符" in result.output and "未恢复" in result.output
        assert backup._tables_in(target.extensions["db_engine"]) == set()
    finally:
        target.extensions["db_engine"].dispose()
        drop()


def test_restoring_into_a_database_that_holds_data_is_refused(committing_sessions, tmp_path):
    app = _app(_url(committing_sessions))
    assert run_command(app, "backup", str(tmp_path / "b")).exit_code == 0
    result = run_command(app, "restore", str(tmp_path / "b"))
    app.extensions["db_engine"].dispose()
    assert result.exit_code != 0 and "目标数据库不是空的" in result.output and "请新建一个空数据库" in result.output
    with committing_sessions() as s:
        assert (
            s.scalar(select(func.count()).select_from(Base.metadata.tables["person"])) == 77
        )  # 76 people and the platform account


def test_a_folder_without_a_manifest_is_not_taken_for_a_backup(app, tmp_path):
    (tmp_path / "b").mkdir()
    shutil.copyfile(__file__, tmp_path / "b" / "database.dump")
    result = run_command(app, "restore", str(tmp_path / "b"))
    assert result.exit_code != 0 and "没有 manifest.json，不是本系统的备份目录" in result.output
