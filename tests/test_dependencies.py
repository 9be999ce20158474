"""The hashed locks hold the whole dependency tree at the versions requirements*.txt pin: a pin changed without
running scripts/lock.sh fails here, not on a county's server during `pip install --require-hashes`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.M)


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def pins(path: Path) -> dict[str, str]:
    """name -> version of the pins in a requirements file, following its -r includes."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-r "):
            found |= pins(path.parent / line[3:].strip())
    return found | {_name(n): v for n, v in PIN.findall(path.read_text(encoding="utf-8"))}


def locked(path: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes) of each entry of a pip-compile lock."""
    entries = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", path.read_text(encoding="utf-8")):
        if match := PIN.match(block):
            entries[_name(match.group(1))] = (match.group(2), re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return entries


@pytest.mark.parametrize(
    "chosen, lock", [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")]
)
def test_every_pin_is_locked_at_its_version_and_every_locked_file_has_a_hash(chosen, lock):
    wanted, held = pins(ROOT / chosen), locked(ROOT / lock)
    assert {n: v for n, v in wanted.items() if held.get(n, (None,))[0] != v} == {}, f"run scripts/lock.sh ({lock})"
    assert [n for n, (_, hashes) in held.items() if not hashes] == []
    assert len(held) > len(wanted)  # the dependencies of the dependencies too


def test_the_application_lock_is_part_of_the_development_lock():
    runtime, development = locked(ROOT / "requirements.lock"), locked(ROOT / "requirements-dev.lock")
    assert {n: v for n, (v, _) in runtime.items() if development.get(n, (None,))[0] != v} == {}
