"""The shipped deployment (deploy/: systemd units, nginx site, environment file) and the README's guide name only
commands, settings and files that exist, so a county IT office following them never meets a typo of ours."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

import webapp
from webapp import create_app

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/xiayi"  # where the guide checks the repository out
UNITS = sorted(DEPLOY.glob("*.service")) + sorted(DEPLOY.glob("*.timer"))
# `flask --app webapp …`, or `xiayi-flask …` (deploy/xiayi-flask: the same as the service user)
FLASK_CALL = re.compile(r"(?:flask --app webapp|xiayi-flask) ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)*)")
SOURCES = [
    ROOT / "webapp" / "config.py",
    *sorted((ROOT / "workflows").rglob("*.py")),
    *sorted((ROOT / "notifications").rglob("*.py")),
]
READ_SETTING = re.compile(r"""(?:os\.environ\.get|os\.environ\[|_flag)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")


def unit_entries(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) of a systemd unit file, in order (keys such as ExecStartPost may repeat)."""
    entries, section = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def env_example() -> dict[str, str]:
    lines = (DEPLOY / "xiayi.env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def settings_the_app_reads() -> set[str]:
    return {name for path in SOURCES for name in READ_SETTING.findall(path.read_text(encoding="utf-8"))}


def in_repo(path: str) -> Path:
    assert path.startswith(INSTALLED + "/") or path == INSTALLED, path
    return ROOT / path[len(INSTALLED) :].lstrip("/")


def flask_commands(text: str) -> list[list[str]]:
    return [match.split() for match in FLASK_CALL.findall(text)]


def assert_command_exists(app, words: list[str]) -> None:
    """The words name a command of the app's CLI (a group's subcommand too); the rest are its arguments."""
    group: click.Group = app.cli
    for word in words:
        command = group.commands.get(word)
        assert command is not None, f"flask --app webapp {' '.join(words)}: no command {word!r}"
        if not isinstance(command, click.Group):
            return
        group = command
    raise AssertionError(f"flask --app webapp {' '.join(words)} names a group, not a command")


@pytest.fixture(scope="module")
def cli_app(tmp_path_factory):
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('deploy') / 'x.db'}", "SECRET_KEY": "x"})


def test_the_shipped_units_run_commands_and_files_that_exist(cli_app):
    assert {p.name for p in UNITS} >= {
        "xiayi-web.service",
        "xiayi-scheduler.service",
        "xiayi-backup.service",
        "xiayi-backup.timer",
    }
    called = []
    for unit in UNITS:
        for section, key, value in unit_entries(unit):
            if key == "WorkingDirectory":
                assert value == INSTALLED and in_repo(value).is_dir()
            if key == "EnvironmentFile":
                assert value == "/etc/xiayi/xiayi.env"  # the guide copies deploy/xiayi.env.example there
            if key == "Unit":
                assert (DEPLOY / value).is_file(), f"{unit.name}: {value}"
            if key.startswith("Exec"):
                program = shlex.split(value)[0]
                if program.startswith(INSTALLED):
                    assert in_repo(program).exists(), f"{unit.name}: {program}"
                else:
                    assert program in ("/bin/sh", "/bin/kill", "/usr/bin/find"), f"{unit.name}: {program}"
                for words in flask_commands(value):
                    assert_command_exists(cli_app, words)
                    called.append(words[0])
    assert {"run-scheduler", "backup"} <= set(called)


def test_the_web_unit_serves_the_app_factory_where_nginx_sends_requests():
    web = dict((k, v) for _, k, v in unit_entries(DEPLOY / "xiayi-web.service"))
    argv = shlex.split(web["ExecStart"])
    assert argv[0].endswith("/.venv/bin/gunicorn") and argv[-1] == "webapp:create_app()"
    assert callable(webapp.create_app)
    bind = argv[argv.index("--bind") + 1]
    site = (DEPLOY / "nginx-xiayi.conf").read_text(encoding="utf-8")
    assert f"proxy_pass http://{bind};" in site


def test_the_nginx_site_serves_the_static_folder_over_tls_and_lets_the_app_refuse_big_uploads(cli_app):
    site = (DEPLOY / "nginx-xiayi.conf").read_text(encoding="utf-8")
    assert "listen 443 ssl" in site and "return 301 https://" in site
    static = re.search(r"location /static/ \{\s*alias ([^;]+);", site)[1]
    assert static == f"{INSTALLED}/webapp/static/" and in_repo(static.rstrip("/")).is_dir()
    assert (in_repo(static.rstrip("/")) / "app.css").is_file()
    megabytes = int(re.search(r"client_max_body_size (\d+)m;", site)[1])
    app_limit = int(env_example()["MAX_UPLOAD_BYTES"])
    assert app_limit == cli_app.config["MAX_CONTENT_LENGTH"]  # the example keeps the default
    assert app_limit < megabytes * 1024 * 1024 <= app_limit + 2 * 1024 * 1024  # the app answers first, in Chinese
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert env_example()["TRUSTED_PROXY_COUNT"] == "1"  # nginx is the one proxy


def test_the_environment_example_lists_exactly_the_settings_the_app_reads():
    example = env_example()
    read = settings_the_app_reads()
    assert set(example) == read, (
        f"not read by the app: {sorted(set(example) - read)}; "
        f"missing from the example: {sorted(read - set(example))}"
    )
    assert example["PUBLIC_BASE_URL"].startswith("https://")
    assert in_repo(example["BPMN_DIR"]).is_dir()


def test_every_command_the_readme_and_the_deploy_folder_name_exists(cli_app):
    texts = [
        (ROOT / "README.md").read_text(encoding="utf-8"),
        *(p.read_text(encoding="utf-8") for p in DEPLOY.iterdir() if p.is_file()),
    ]
    named = [words for text in texts for words in flask_commands(text)]
    assert len(named) >= 10
    for words in named:
        assert_command_exists(cli_app, words)


def test_every_deploy_file_the_readme_names_is_shipped():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"deploy/([\w.-]+)", readme))
    assert {
        "xiayi-web.service",
        "xiayi-scheduler.service",
        "nginx-xiayi.conf",
        "xiayi.env.example",
        "xiayi-flask",
    } <= named
    for name in named:
        assert (DEPLOY / name).is_file(), name
