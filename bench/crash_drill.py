"""Crash drill: gunicorn on PostgreSQL under applicants and reviewers, killed with SIGKILL again and again.

What it does
  A fresh PostgreSQL database `bench_<hex>` is seeded as a new installation is (`flask seed-demo`), one API
  token is made per simulated user, and gunicorn serves the app (`-w 4`, single-threaded workers, as the
  README's production command). Threads then drive the JSON API for --seconds: applicants submit
  有条件共享 applications to other units and now and then withdraw one; reviewers list their tasks and
  approve, reject with a specific reason or return for more information; applicants resubmit returned ones.
  Meanwhile a killer sends SIGKILL to a random worker every --kill-every seconds, and every third time to
  the master and all its workers at once (a crashed host), then starts gunicorn again. Connection errors
  during a kill are expected and counted. At the end gunicorn is stopped and `flask check-integrity` scans
  the database: every in-review application has exactly one open review task in its provider's unit, every
  approved one exactly one grant of its provider, no grant on a withdrawn or rejected case, every stored
  case agrees with its task rows.

Printed: cases driven (applications created, decisions, withdrawals, resubmissions), kills (workers, master),
answers by kind (2xx, expected 409/422, 5xx, transport errors), and the problems check-integrity found.
Exits 1 when it found any. The database is dropped at the end.

Run
  .venv/bin/python bench/crash_drill.py                  # 60 s, a kill every 4 s
  .venv/bin/python bench/crash_drill.py --seconds 120 --kill-every 3
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds http.py: keep this folder off sys.path, or `import http` would find that script.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import collections
import contextlib
import os
import random
import secrets
import signal
import subprocess
import tempfile
import threading
import time
from datetime import timedelta

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import http as load  # noqa: E402  (demo people, seeding, tokens, gunicorn helpers)
from workflows import clock  # noqa: E402

REASON = "申请的信息项超出该应用场景所需的范围，请只申请履职必需的信息项后重新申请"
RETURN_NOTE = "请补充该应用场景的业务受理文书扫描件，并说明核对对象的范围"


class Drill:
    """Counters shared by the driving threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers: collections.Counter = collections.Counter()
        self.actions: collections.Counter = collections.Counter()
        self.kills: collections.Counter = collections.Counter()
        self.base_url = ""
        self.stop = threading.Event()

    def count(self, key: str, bucket: collections.Counter | None = None) -> None:
        with self.lock:
            (bucket if bucket is not None else self.answers)[key] += 1


def call(drill: Drill, client: httpx.Client, method: str, path: str, token: str, body=None) -> httpx.Response | None:
    try:
        answer = client.request(
            method,
            drill.base_url + path,
            json=body,
            timeout=30,
            headers={"Authorization": f"Bearer {token}", "Connection": "close"},
        )
    except httpx.HTTPError:
        drill.count("transport error (during a kill)")
        drill.stop.wait(0.2)  # the server is being restarted
        return None
    status = answer.status_code
    drill.count("2xx" if status < 300 else ("409/422 (expected refusals)" if status in (409, 422) else f"{status}"))
    return answer


def applicant(drill: Drill, user: load.User, demo: load.Demo, rng: random.Random) -> None:
    until = (clock.today() + timedelta(days=365)).isoformat()
    with httpx.Client() as client:
        while not drill.stop.is_set():
            unit = rng.choice([u for u in demo.conditional if u != user.unit_code])
            resource = rng.choice(demo.conditional[unit])
            body = {
                "resource_code": resource["code"],
                "items": resource["items"][:2],
                "scenario": "低保家庭经济状况核对",
                "basis": "《社会救助暂行办法》第十一条",
                "purpose": "核对申请人家庭情况",
                "frequency": "daily",
                "valid_until": until,
                "undertaking": True,
                "sensitive_justification": "核对身份必须使用敏感信息项",
            }
            answer = call(drill, client, "POST", "/api/v1/applications", user.token, body)
            if answer is not None and answer.status_code == 201:
                drill.count("applications created", drill.actions)
                if rng.random() < 0.15:
                    done = call(
                        drill,
                        client,
                        "POST",
                        f"/api/v1/applications/{answer.json()['id']}/withdraw",
                        user.token,
                        {"reason": "业务调整"},
                    )
                    if done is not None and done.status_code == 200:
                        drill.count("withdrawals", drill.actions)
            resubmit(drill, client, user, rng)


def resubmit(drill: Drill, client: httpx.Client, user: load.User, rng: random.Random) -> None:
    found = call(drill, client, "GET", "/api/v1/tasks?process=data_application", user.token)
    if found is None or found.status_code != 200:
        return
    mine = [t for t in found.json()["items"] if t["name"].startswith("补正")]
    if mine:
        done = call(
            drill,
            client,
            "POST",
            f"/api/v1/tasks/{rng.choice(mine)['id']}/complete",
            user.token,
            {"resubmit_note": "已补充受理文书"},
        )
        if done is not None and done.status_code == 200:
            drill.count("resubmissions", drill.actions)


def reviewer(drill: Drill, user: load.User, rng: random.Random) -> None:
    with httpx.Client() as client:
        while not drill.stop.is_set():
            found = call(drill, client, "GET", "/api/v1/tasks?process=data_application", user.token)
            reviews = (
                [t for t in found.json()["items"] if t["role"] == "reviewer"]
                if (found is not None and found.status_code == 200)
                else []
            )
            if not reviews:
                drill.stop.wait(0.3)
                continue
            pick = rng.random()
            body = (
                {"decision": "approve"}
                if pick < 0.6
                else {"decision": "reject", "reason": REASON, "rejection_category": "scope_exceeds"}
                if pick < 0.85
                else {"decision": "return", "reason": RETURN_NOTE}
            )
            done = call(drill, client, "POST", f"/api/v1/tasks/{rng.choice(reviews)['id']}/complete", user.token, body)
            if done is not None and done.status_code == 200:
                drill.count(f"decisions: {body['decision']}", drill.actions)


def workers_of(master: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                    found.append(int(entry.name))
    return found


def start_server(env: dict, folder: Path, port: int) -> subprocess.Popen:
    argv = [
        str(load.VENV_BIN / "gunicorn"),
        "-w",
        "4",
        "-b",
        f"{load.HOST}:{port}",
        "--error-logfile",
        str(folder / "error.log"),
        "webapp:create_app()",
    ]
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = load.Server(process, argv, f"http://{load.HOST}:{port}", folder / "access.log", folder / "error.log")
    load._wait_healthy(server)
    return process


def killer(drill: Drill, env: dict, folder: Path, every: float, rng: random.Random, holder: list) -> None:
    """SIGKILL a worker, and every third time the master with all its workers; restart what died."""
    while not drill.stop.wait(every):
        master = holder[0]
        victims = workers_of(master.pid)
        if sum(drill.kills.values()) % 3 == 2 or not victims:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(master.pid, signal.SIGKILL)
            master.wait(10)
            drill.count("master (with its workers)", drill.kills)
            holder[0] = start_server(env, folder, holder[1])
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(rng.choice(victims), signal.SIGKILL)
            drill.count("workers", drill.kills)


def check_integrity(env: dict) -> tuple[int, str]:
    done = subprocess.run(
        [str(load.VENV_BIN / "flask"), "--app", "webapp", "check-integrity"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done.returncode, (done.stdout + done.stderr).strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--kill-every", type=float, default=4.0)
    parser.add_argument("--applicants", type=int, default=8)
    parser.add_argument("--reviewers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pg-url", default=load.PG_SERVER)
    args = parser.parse_args()
    rng, demo = random.Random(args.seed), load.load_demo()
    users = load.plan_users(demo, args.applicants + args.reviewers)
    folder = Path(tempfile.mkdtemp(prefix="crash-drill-"))
    with load.fresh_database(args.pg_url) as (_name, db_url):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "FLASK_"))}
        env |= {"DATABASE_URL": db_url, "SECRET_KEY": secrets.token_hex(32), "PYTHONUNBUFFERED": "1"}
        load.seed_demo(env)
        load.make_tokens(db_url, users)
        port = load.free_port()
        drill, holder = Drill(), [start_server(env, folder, port), port]
        drill.base_url = f"http://{load.HOST}:{port}"
        threads = [
            threading.Thread(
                target=applicant if u.kind == "applicant" else reviewer,
                args=(drill, u, demo, random.Random(rng.random()))
                if u.kind == "applicant"
                else (drill, u, random.Random(rng.random())),
                daemon=True,
            )
            for u in users
        ]
        threads.append(
            threading.Thread(
                target=killer,
                args=(drill, env, folder, args.kill_every, random.Random(rng.random()), holder),
                daemon=True,
            )
        )
        began = time.monotonic()
        [t.start() for t in threads]
        drill.stop.wait(args.seconds)
        drill.stop.set()
        [t.join(60) for t in threads]
        load._stop(holder[0])
        status, report = check_integrity(env)
        print(f"Crash drill: {time.monotonic() - began:.0f} s, {len(users)} users, gunicorn -w 4 on PostgreSQL")
        print("  cases driven   " + ", ".join(f"{k} {v}" for k, v in sorted(drill.actions.items())))
        print("  kills (-9)     " + ", ".join(f"{k} {v}" for k, v in sorted(drill.kills.items())))
        print("  answers        " + ", ".join(f"{k} {v}" for k, v in sorted(drill.answers.items())))
        print("  check-integrity " + ("passed" if status == 0 else "FOUND PROBLEMS"))
        for line in report.splitlines():
            print(f"    {line}")
    return status


if __name__ == "__main__":
    sys.exit(main())
