"""The test tree's own rules: shared steps live in tests/helpers.py, tests/e2e/pages.py or fixtures, so that a
test module can be read, moved or deleted on its own."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).parent
_IMPORT_OF_A_TEST_MODULE = re.compile(r"^\s*(?:from|import)\s+tests(?:\.\w+)*\.test_\w+", re.M)


def test_no_test_module_imports_another():
    found = [
        f"{path.relative_to(TESTS)}: {match.group(0).strip()}"
        for path in sorted(TESTS.rglob("*.py"))
        for match in _IMPORT_OF_A_TEST_MODULE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
