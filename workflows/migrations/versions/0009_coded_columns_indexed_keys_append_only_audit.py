"""the schema says what the code means: coded columns with CHECKs, indexed foreign keys, append-only audit, JSONB

Revision ID: 0009
Revises: 0008

- Every column holding a status or another code gets a CHECK listing the codes (values stored as before).
  application.frequency becomes nullable: a draft without a frequency held '' and now holds NULL.
- Every foreign key column that led no index gets one.
- audit_event refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL) by trigger.
- JSON columns become JSONB on PostgreSQL, except process_version.forms: JSONB reorders object keys, and the
  order of a form schema's properties is the order of the form's fields.

On SQLite a CHECK can only be added by rebuilding the table (batch mode), which drops the table's triggers: the
search and catalog-generation triggers of `resource` (migrations 0002 and 0007) are created again afterwards.
"""
import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# The codes as of this revision: a later change of an enum brings its own migration.
CODES = {
    "calendar_day": {"kind": ["workday", "rest", "holiday", "makeup_workday"]},
    "unit": {"kind": ["coordinator", "department", "vertical", "institution", "association"]},
    "resource": {"category_class": ["base", "thematic", "departmental"],
                 "format": ["file", "spreadsheet", "database", "image", "stream", "interface"],
                 "share_type": ["unconditional", "conditional", "not_shared"],
                 "share_method": ["api", "table", "file"],
                 "open_type": ["open", "conditional_open", "not_open"],
                 "update_cycle": ["realtime", "daily", "weekly", "monthly", "quarterly", "yearly"],
                 "sensitivity": ["general", "important", "core"],
                 "status": ["draft", "published", "retired"]},
    "info_item": {"data_type": ["string", "number", "integer", "date", "datetime", "boolean", "binary"]},
    "interface": {"object_class": ["person", "legal_entity", "other"]},
    "outbox_email": {"status": ["pending", "sent", "failed"]},
    "responsibility": {"kind": ["first_responsible", "leader_in_charge", "section_chief"]},
    "role_membership": {"role": ["applicant", "reviewer", "unit_admin", "coordinator", "modeler", "sysadmin"]},
    "process_instance": {"status": ["running", "completed", "cancelled"]},
    "application": {"frequency": ["realtime", "daily", "weekly", "monthly", "once"],
                    "status": ["draft", "submitted", "in_review", "returned", "approved", "rejected", "withdrawn"]},
    "catalog_change": {"kind": ["law_revision", "function_change"], "status": ["open", "done"]},
    "demand": {"status": ["matched", "coordinating", "resolved", "unresolved", "referred"]},
    "human_task": {"status": ["open", "completed", "cancelled"]},
    "data_grant": {"status": ["active", "expired", "revoked"]},
}

FOREIGN_KEYS = [
    ("application", "applicant_id"), ("application", "decided_by_id"), ("application", "instance_id"),
    ("application", "provider_unit_id"), ("application", "resource_id"), ("attachment", "uploaded_by_id"),
    ("audit_event", "actor_id"), ("catalog_change", "created_by_id"), ("catalog_change", "instance_id"),
    ("data_grant", "resource_id"), ("data_grant", "revoked_by_id"), ("demand", "created_by_id"),
    ("demand", "instance_id"), ("demand", "provider_unit_id"), ("demand", "resource_id"),
    ("human_task", "assignee_id"), ("human_task", "completed_by_id"), ("human_task", "unit_id"),
    ("outbox_email", "person_id"), ("person", "unit_id"), ("process_instance", "process_version_id"),
    ("process_instance", "started_by_id"), ("process_instance", "unit_id"), ("process_version", "deployed_by_id"),
    ("resource", "provider_unit_id"), ("resource_revision", "actor_id"), ("responsibility", "person_id"),
]

JSONB_COLUMNS = [
    ("application", "items"), ("approval_record", "content"), ("audit_event", "before"), ("audit_event", "after"),
    ("data_grant", "items"), ("human_task", "result"), ("interface", "business_scenarios"),
    ("resource", "related_codes"), ("resource_revision", "changes"),
]

AUDIT_REFUSAL = "审计记录只能追加，不能修改或删除"
SQLITE_AUDIT = [
    f"CREATE TRIGGER audit_event_no_{verb} BEFORE {verb.upper()} ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{AUDIT_REFUSAL}'); END"
    for verb in ("update", "delete")
]
POSTGRES_AUDIT = [
    "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"RAISE EXCEPTION '{AUDIT_REFUSAL}'; END $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
]


def _sibling(name: str):
    """An earlier migration module of this folder (its name starts with a digit, so it cannot be imported)."""
    spec = importlib.util.spec_from_file_location(f"_migration_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _resource_triggers() -> list[str]:
    """The SQLite triggers on `resource` that keep the search tables and the catalog generation current."""
    search, bigrams = _sibling("0002_catalog_and_demands"), _sibling("0007_catalog_bigrams_and_generation")
    statements = search.SQLITE_FTS + bigrams.SQLITE_BIGRAMS + bigrams.SQLITE_GENERATION
    return [s for s in statements if s.startswith("CREATE TRIGGER")]


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _check(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _refuse_unknown_codes() -> None:
    """Stop before changing anything when a row holds a code the CHECK would refuse, naming it."""
    found = []
    for table, columns in CODES.items():
        for column, values in columns.items():
            query = sa.text(f"SELECT DISTINCT {column} FROM {table} WHERE {column} NOT IN :codes"
                            + (" AND frequency <> ''" if (table, column) == ("application", "frequency") else ""))
            query = query.bindparams(sa.bindparam("codes", expanding=True))
            found += [f"{table}.{column} = {value!r}" for (value,) in op.get_bind().execute(query, {"codes": values})]
    if found:
        raise RuntimeError("数据库中有不在取值范围内的值，迁移未执行，请先更正：" + "；".join(found))


def _add_checks() -> None:
    for table, columns in CODES.items():
        if _sqlite():
            with op.batch_alter_table(table, recreate="always") as batch:
                for column, values in columns.items():
                    batch.create_check_constraint(op.f(f"ck_{table}_{column}"), _check(column, values))
        else:
            for column, values in columns.items():
                op.create_check_constraint(op.f(f"ck_{table}_{column}"), table, _check(column, values))
    if _sqlite():
        for statement in _resource_triggers():
            op.execute(statement)


def _drop_checks() -> None:
    for table, columns in CODES.items():
        if _sqlite():
            with op.batch_alter_table(table, recreate="always") as batch:
                for column in columns:
                    batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
        else:
            for column in columns:
                op.drop_constraint(op.f(f"ck_{table}_{column}"), table, type_="check")
    if _sqlite():
        for statement in _resource_triggers():
            op.execute(statement)


def _frequency_nullable(nullable: bool) -> None:
    with op.batch_alter_table("application") as batch:
        batch.alter_column("frequency", existing_type=sa.String(length=20), nullable=nullable)


def upgrade() -> None:
    _refuse_unknown_codes()
    _frequency_nullable(True)
    op.execute("UPDATE application SET frequency = NULL WHERE frequency = ''")
    _add_checks()
    if not _sqlite():
        for table, column in JSONB_COLUMNS:
            op.alter_column(table, column, type_=JSONB(), existing_type=sa.JSON(),
                            postgresql_using=f'"{column}"::jsonb')
    for table, column in FOREIGN_KEYS:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])
    for statement in SQLITE_AUDIT if _sqlite() else POSTGRES_AUDIT:
        op.execute(statement)


def downgrade() -> None:
    if _sqlite():
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_event_no_{verb}")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    for table, column in reversed(FOREIGN_KEYS):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    if not _sqlite():
        for table, column in JSONB_COLUMNS:
            op.alter_column(table, column, type_=sa.JSON(), existing_type=JSONB(),
                            postgresql_using=f'"{column}"::json')
    _drop_checks()
    op.execute("UPDATE application SET frequency = '' WHERE frequency IS NULL")
    _frequency_nullable(False)
