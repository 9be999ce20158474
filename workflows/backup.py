"""Backup and restore of the whole system: one database snapshot and a manifest of hashes, sizes and row counts.

Uploaded files (application attachments, objection evidence and decision documents) and the rendered record PDFs
are stored in the database itself (LargeBinary columns), not in a folder beside it, so the one snapshot holds every
file together with the rows that name it: nothing is copied after the snapshot, and no file can be missing from it
or newer than it. Files are also write-once (a row's bytes never change after insert; a record's PDF is rendered
once from content fixed at the decision), so the SHA-256 the manifest lists for each file identifies it for good,
and the restore checks every one of them against the restored rows.

PostgreSQL: a REPEATABLE READ transaction exports its snapshot, `pg_dump --format=custom --snapshot` dumps exactly
that snapshot, and the counts and file hashes are read in the same transaction, so the manifest describes the dump
to the row while applications keep being submitted and decided. SQLite: the sqlite3 backup API copies the database
in one step under a read lock, and the manifest is read from the copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection, Engine, make_url

from workflows import clock, migrate
from workflows.db import Base
from workflows.errors import Conflict, DomainError, ValidationFailed
from workflows.models import ApprovalRecord, Attachment, ObjectionFile, ObjectionRecord

FORMAT = "xiayi-backup/1"
MANIFEST = "manifest.json"
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
# (kind shown to people, model, column holding the bytes, column naming the file or None)
STORED_FILES = (
    ("申请附件", Attachment, "data", "filename"),
    ("异议材料", ObjectionFile, "data", "filename"),
    ("审批记录 PDF", ApprovalRecord, "pdf", None),
    ("异议处理记录 PDF", ObjectionRecord, "pdf", None),
)
CHUNK = 1 << 20

Say = Callable[[str], None]


class BackupRefused(DomainError):
    status = 409
    code = "backup_refused"


@dataclass
class RestoreResult:
    tables: int = 0
    rows: int = 0
    files: int = 0
    migration_head: str = ""
    code_head: str = ""
    problems: list[str] = field(default_factory=list)


def code_head() -> str:
    """The newest migration this code knows."""
    return ScriptDirectory.from_config(migrate.alembic_config()).get_current_head() or ""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- what a database holds -----------------------------------------------------------------------------------------


def describe(conn: Connection) -> dict:
    """Row counts of every table, the migration the schema is at, and each stored file's hash and size."""
    names = set(inspect(conn).get_table_names())
    tables = {
        t.name: conn.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables if t.name in names
    }
    head = conn.scalar(text("SELECT version_num FROM alembic_version")) if "alembic_version" in names else ""
    files = []
    for kind, model, column, name_column in STORED_FILES:
        data = getattr(model, column)
        label = getattr(model, name_column) if name_column else model.sha256
        for row_id, label_value, blob in conn.execute(
            select(model.id, label, data).where(data.is_not(None)).order_by(model.id)
        ):
            files.append(
                {
                    "table": model.__tablename__,
                    "id": row_id,
                    "kind": kind,
                    "name": label_value,
                    "sha256": hashlib.sha256(blob).hexdigest(),
                    "size": len(blob),
                }
            )
    return {"migration_head": head or "", "tables": tables, "stored_files": files}


# --- backup --------------------------------------------------------------------------------------------------------


def backup(engine: Engine, directory: Path, say: Say = print) -> dict:
    """Write the snapshot and manifest.json into `directory` (new or empty); returns the manifest."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise BackupRefused(f"备份目录 {directory} 不是空目录；为免覆盖以前的备份，请指定一个新目录")
    directory.mkdir(parents=True, exist_ok=True)
    kind = engine.dialect.name
    dump = directory / DUMP[kind]
    say(f"开始备份（{'PostgreSQL' if kind == 'postgresql' else 'SQLite'}）到 {directory}")
    taken_at = clock.now()
    described = _backup_postgres(engine, dump, say) if kind == "postgresql" else _backup_sqlite(engine, dump, say)
    say("正在计算备份文件的 SHA-256 …")
    manifest = {
        "format": FORMAT,
        "created_at": taken_at.isoformat(),
        "database": kind,
        "migration_head": described["migration_head"],
        "code_head": code_head(),
        "files": [{"path": dump.name, "sha256": sha256_of(dump), "size": dump.stat().st_size}],
        "tables": described["tables"],
        "stored_files": described["stored_files"],
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def _backup_postgres(engine: Engine, dump: Path, say: Say) -> dict:
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        with conn.begin():
            snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
            say(f"已固定数据库快照 {snapshot}，正在用 pg_dump 导出 …")
            _run_tool(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    "--file",
                    str(dump),
                ],
                engine,
            )
            say("正在统计同一快照中的各表行数和已存文件 …")
            return describe(conn)


def _backup_sqlite(engine: Engine, dump: Path, say: Say) -> dict:
    source_path = _sqlite_path(engine)
    say("正在用 SQLite 备份接口复制数据库 …")
    source, target = sqlite3.connect(source_path), sqlite3.connect(dump)
    try:
        source.backup(target)  # all pages in one step, under one read lock: a consistent copy
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
        source.close()
    say("正在统计各表行数和已存文件 …")
    copy = create_engine(f"sqlite:///{dump}")
    try:
        with copy.connect() as conn:
            return describe(conn)
    finally:
        copy.dispose()


# --- restore -------------------------------------------------------------------------------------------------------


def read_verified_manifest(directory: Path, say: Say = print) -> dict:
    """The manifest, once every file it lists is there with its size and SHA-256; a refusal names the file."""
    directory = Path(directory)
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupRefused(f"{directory} 中没有 {MANIFEST}，不是本系统的备份目录")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise BackupRefused(f"{MANIFEST} 已损坏，无法读取，未恢复") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupRefused(f"{MANIFEST} 不是本系统可识别的备份清单（应为 {FORMAT}），未恢复")
    for entry in manifest["files"]:
        file = directory / entry["path"]
        say(f"正在核对 {entry['path']} 的 SHA-256 …")
        if not file.is_file():
            raise BackupRefused(f"备份文件 {entry['path']} 不存在，备份不完整，未恢复")
        if file.stat().st_size != entry["size"] or sha256_of(file) != entry["sha256"]:
            raise BackupRefused(f"备份文件 {entry['path']} 与清单记录的 SHA-256 不符，可能已被篡改或损坏，未恢复")
    return manifest


def restore(engine: Engine, directory: Path, say: Say = print) -> RestoreResult:
    """Restore a verified backup into an empty database of the same kind, then compare it with the manifest."""
    directory = Path(directory)
    manifest = read_verified_manifest(directory, say)
    kind = engine.dialect.name
    if manifest["database"] != kind:
        raise BackupRefused(f"该备份来自 {manifest['database']} 数据库，不能恢复到 {kind} 数据库")
    if existing := _tables_in(engine):
        raise Conflict(
            f"目标数据库不是空的（已有 {len(existing)} 张表，如 {', '.join(sorted(existing)[:3])}），"
            "为免覆盖现有数据，恢复只写入空数据库；请新建一个空数据库后重试"
        )
    dump = directory / manifest["files"][0]["path"]
    say("备份校验通过，正在恢复数据库 …")
    if kind == "postgresql":
        _run_tool(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", str(dump)],
            engine,
        )
    else:
        _restore_sqlite(engine, dump)
    engine.dispose()
    say("正在核对恢复后的各表行数和已存文件 …")
    with engine.connect() as conn:
        found = describe(conn)
    return _compare(manifest, found)


def _compare(manifest: dict, found: dict) -> RestoreResult:
    result = RestoreResult(
        tables=len(found["tables"]),
        rows=sum(found["tables"].values()),
        files=len(found["stored_files"]),
        migration_head=found["migration_head"],
        code_head=code_head(),
    )
    for table, count in manifest["tables"].items():
        if found["tables"].get(table) != count:
            result.problems.append(f"表 {table}：清单记录 {count} 行，恢复后 {found['tables'].get(table, '无此表')}")
    expected = {(f["table"], f["id"]): f for f in manifest["stored_files"]}
    restored = {(f["table"], f["id"]): f for f in found["stored_files"]}
    for key, entry in expected.items():
        got = restored.get(key)
        if got is None or (got["sha256"], got["size"]) != (entry["sha256"], entry["size"]):
            result.problems.append(f"{entry['kind']}（{entry['table']} #{entry['id']} {entry['name']}）与清单不符")
    return result


def _restore_sqlite(engine: Engine, dump: Path) -> None:
    engine.dispose()
    source, target = sqlite3.connect(dump), sqlite3.connect(_sqlite_path(engine))
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _tables_in(engine: Engine) -> set[str]:
    if engine.dialect.name == "sqlite" and not Path(_sqlite_path(engine)).exists():
        return set()
    with engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def _sqlite_path(engine: Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise ValidationFailed(["内存数据库无法备份或恢复，请使用数据库文件"])
    return path


def _run_tool(args: list[str], engine: Engine) -> None:
    """Run pg_dump or pg_restore against the engine's database; the password goes by environment, not argv."""
    url = make_url(engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    dsn = url.set(password=None).render_as_string(hide_password=False)
    try:
        done = subprocess.run([*args, f"--dbname={dsn}"], env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupRefused(
            f"找不到 {args[0]}：请先安装 PostgreSQL 客户端（apt-get install postgresql-client），"
            "其版本不得低于数据库服务器"
        ) from None
    if done.returncode != 0:
        raise BackupRefused(f"{args[0]} 执行失败，未完成", [line for line in done.stderr.splitlines() if line][-5:])
