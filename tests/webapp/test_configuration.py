"""Every setting the code or the demo script reads is in the README's configuration table, so nobody has to read
the source to find it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ_FROM_ENVIRONMENT = re.compile(r'(?:environ(?:\.get)?\(|environ\[|_flag\()"([A-Z][A-Z0-9_]+)"')
READ_BY_SCRIPT = re.compile(r"\$\{([A-Z][A-Z0-9_]+):-")
NOT_SETTINGS = {"PYTHON", "TEST_DATABASE_URL"}  # how to set up and test, described beside those commands


def configuration_table() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]


def test_every_environment_variable_read_by_the_app_or_dev_sh_is_in_the_readme_table():
    read = {
        name
        for path in [*ROOT.glob("webapp/**/*.py"), *ROOT.glob("workflows/**/*.py"), *ROOT.glob("notifications/**/*.py")]
        for name in READ_FROM_ENVIRONMENT.findall(path.read_text(encoding="utf-8"))
    }
    read |= set(READ_BY_SCRIPT.findall((ROOT / "scripts" / "dev.sh").read_text(encoding="utf-8")))
    assert {"PORT", "DATABASE_URL", "SMTP_STARTTLS"} <= read  # the patterns find what they should
    table = configuration_table()
    assert sorted(name for name in read - NOT_SETTINGS if f"`{name}`" not in table) == []
