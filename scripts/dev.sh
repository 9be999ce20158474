#!/usr/bin/env bash
# Sets everything up, loads the demo data into SQLite and serves http://127.0.0.1:5000 with the scheduler.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export FLASK_APP=webapp
.venv/bin/flask seed-demo
.venv/bin/flask run-scheduler &
scheduler=$!
trap 'kill $scheduler 2>/dev/null' EXIT
echo "==> 打开 http://127.0.0.1:5000 ，演示账号见 README（密码 Demo@2026）"
.venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
