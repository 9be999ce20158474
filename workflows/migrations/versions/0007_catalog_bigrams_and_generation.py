"""catalog search: bigram index for 1-2 character keywords, covering unit index, catalog generation

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

FACET_COLUMNS = ["share_type", "open_type", "format", "category_class", "sensitivity", "update_cycle"]

# xy_bigrams() is registered on every SQLite connection by workflows.db (bigram_tokens).
SQLITE_BIGRAMS = [
    "CREATE VIRTUAL TABLE resource_bigram USING fts5(name, summary, content='', detail=none, "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER resource_bigram_ai AFTER INSERT ON resource BEGIN "
    "INSERT INTO resource_bigram(rowid, name, summary) VALUES (new.id, xy_bigrams(new.name), "
    "xy_bigrams(new.summary)); END",
    "CREATE TRIGGER resource_bigram_ad AFTER DELETE ON resource BEGIN "
    "INSERT INTO resource_bigram(resource_bigram, rowid, name, summary) VALUES ('delete', old.id, "
    "xy_bigrams(old.name), xy_bigrams(old.summary)); END",
    "CREATE TRIGGER resource_bigram_au AFTER UPDATE OF name, summary ON resource BEGIN "
    "INSERT INTO resource_bigram(resource_bigram, rowid, name, summary) VALUES ('delete', old.id, "
    "xy_bigrams(old.name), xy_bigrams(old.summary)); "
    "INSERT INTO resource_bigram(rowid, name, summary) VALUES (new.id, xy_bigrams(new.name), "
    "xy_bigrams(new.summary)); END",
    "INSERT INTO resource_bigram(rowid, name, summary) SELECT id, xy_bigrams(name), xy_bigrams(summary) "
    "FROM resource",
    # per-term document counts: how many rows a keyword can match, to pick the query plan
    "CREATE VIRTUAL TABLE resource_fts_vocab USING fts5vocab(resource_fts, 'row')",
    "CREATE VIRTUAL TABLE resource_bigram_vocab USING fts5vocab(resource_bigram, 'row')",
]
SQLITE_GENERATION = [
    f"CREATE TRIGGER catalog_generation_{event} AFTER {event.upper()} ON resource BEGIN "
    "INSERT INTO catalog_generation (id, token) VALUES (1, random()) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token; END"
    for event in ("insert", "update", "delete")
]

# pg_trgm finds no trigram in '%ab%': a GIN index over the array of the text's bigrams answers
# 2-character keywords exactly. Stored, not an expression index: the recheck would recompute it.
POSTGRES_BIGRAMS = [
    "CREATE FUNCTION xy_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    "$$ SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[]) "
    "FROM generate_series(1, char_length(t) - 1) AS i $$",
    "ALTER TABLE resource ADD COLUMN text_bigrams text[] "
    "GENERATED ALWAYS AS (xy_bigrams(name || ' ' || summary)) STORED",
    "CREATE INDEX ix_resource_bigrams ON resource USING gin (text_bigrams)",
]
POSTGRES_GENERATION = [
    "CREATE FUNCTION catalog_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO catalog_generation (id, token) VALUES (1, (random() * 9e15)::bigint) "
    "ON CONFLICT (id) DO UPDATE SET token = excluded.token; RETURN NULL; END $$",
    "CREATE TRIGGER catalog_generation_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON resource "
    "FOR EACH STATEMENT EXECUTE FUNCTION catalog_generation_bump()",
]


def upgrade() -> None:
    op.create_table('catalog_generation',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('token', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_generation')))
    op.execute("INSERT INTO catalog_generation (id, token) VALUES (1, 0)")
    # Plain DROP/CREATE INDEX (no batch mode): rebuilding the table would drop the FTS triggers.
    # One unit's entries: their facets counted from the index alone.
    op.drop_index("ix_resource_status_unit", table_name="resource")
    op.create_index("ix_resource_status_unit", "resource", ["status", "provider_unit_id"] + FACET_COLUMNS)
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in (SQLITE_BIGRAMS + SQLITE_GENERATION if sqlite else POSTGRES_BIGRAMS + POSTGRES_GENERATION):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("resource_bigram_ai", "resource_bigram_ad", "resource_bigram_au", "catalog_generation_insert",
                     "catalog_generation_update", "catalog_generation_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for name in ("resource_bigram_vocab", "resource_fts_vocab", "resource_bigram"):
            op.execute(f"DROP TABLE IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS catalog_generation_bump ON resource")
        op.execute("DROP FUNCTION IF EXISTS catalog_generation_bump()")
        op.execute("DROP INDEX IF EXISTS ix_resource_bigrams")
        op.execute("ALTER TABLE resource DROP COLUMN IF EXISTS text_bigrams")
        op.execute("DROP FUNCTION IF EXISTS xy_bigrams(text)")
    op.drop_index("ix_resource_status_unit", table_name="resource")
    op.create_index("ix_resource_status_unit", "resource", ["status", "provider_unit_id"])
    op.drop_table('catalog_generation')
