"""Writes the golden case states of this version, with the diagram and forms they ran on.

Run it deliberately, when a release changes what a stored case looks like, never to make a failing golden test
pass: the golden test exists so that a SpiffWorkflow upgrade which cannot restore last release's cases fails.

    .venv/bin/python -m tests.workflows.engine.golden.regenerate
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import shutil
import tempfile
from pathlib import Path

from alembic.script import ScriptDirectory

from tests.helpers import PRODUCT_BPMN_DIR, apply, at, decide
from workflows import bootstrap, calendar, demo, engine, migrate
from workflows.db import make_engine, make_session_factory
from workflows.engine import lint
from workflows.models import Application, ProcessInstance

GOLDEN = Path(__file__).parent
PROCESS = "data_application"
RETURN_REASON = "请补充低保申请受理通知书扫描件，并说明核对对象范围"


def copy_diagram() -> str:
    """The product's diagram and the forms it names, copied beside the states."""
    xml = (PRODUCT_BPMN_DIR / f"{PROCESS}.bpmn").read_text(encoding="utf-8")
    (GOLDEN / f"{PROCESS}.bpmn").write_text(xml, encoding="utf-8")
    shutil.rmtree(GOLDEN / "forms", ignore_errors=True)
    (GOLDEN / "forms").mkdir()
    for name in sorted(set(re.findall(r"formJsonSchemaFilename>([^<\s]+)<", xml))):
        shutil.copyfile(PRODUCT_BPMN_DIR / "forms" / name, GOLDEN / "forms" / name)
    return xml


def write(sessions, app_id: int, name: str) -> None:
    with sessions() as s:
        app = s.get(Application, app_id)
        state = s.get(ProcessInstance, app.instance_id).state
        golden = {
            "written_by": f"SpiffWorkflow {importlib.metadata.version('SpiffWorkflow')}, schema "
            f"{ScriptDirectory.from_config(migrate.alembic_config()).get_current_head()}",
            "process_key": PROCESS,
            "application_status": str(app.status),
            "number": app.number,
            "state": json.loads(state),
        }
    (GOLDEN / f"{name}.json").write_text(json.dumps(golden, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    bootstrap.bootstrap()
    xml = copy_diagram()
    with tempfile.TemporaryDirectory() as tmp:
        db = make_engine(f"sqlite:///{tmp}/golden.db")
        migrate.upgrade(db)
        sessions = make_session_factory(db)
        with sessions.begin() as s:
            calendar.seed_from_package(s)
            demo.seed_org(s)
            demo.seed_catalog(s)
            engine.deploy(s, xml, lint.load_forms(GOLDEN / "forms"), None)
        with at("2026-02-13T10:00:00"):
            in_review, returned = apply(sessions), apply(sessions)
            decide(sessions, returned, decision="return", reason=RETURN_REASON)
        write(sessions, in_review, "in_review")
        write(sessions, returned, "returned")
        db.dispose()
    print(f"已写入 {GOLDEN}：in_review.json、returned.json、{PROCESS}.bpmn 及其表单")


if __name__ == "__main__":
    main()
