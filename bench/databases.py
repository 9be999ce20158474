"""Throwaway databases for the benchmarks: a temp SQLite file, or a fresh bench_<hex> PostgreSQL database."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url

from workflows.db import make_engine


@contextlib.contextmanager
def sqlite_url(prefix: str):
    """A fresh SQLite file in a temp folder, removed afterwards."""
    folder = tempfile.mkdtemp(prefix=prefix)
    try:
        yield f"sqlite:///{folder}/bench.db"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_url(server: str, drop_guard=contextlib.nullcontext):
    """A fresh bench_<hex> database on the server, dropped with FORCE afterwards (inside drop_guard())."""
    url = make_url(server)
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with drop_guard(), admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
