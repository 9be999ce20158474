#!/usr/bin/env bash
# Sets everything up, loads the demo data into SQLite and serves http://127.0.0.1:5000 with the scheduler.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export FLASK_APP=webapp
port="${PORT:-5000}"
# approval records print this address in their QR code: the one this script serves, unless set already
export PUBLIC_BASE_URL="${PUBLIC_BASE_URL:-http://127.0.0.1:${port}}"
.venv/bin/flask seed-demo
.venv/bin/flask run-scheduler &
scheduler=$!
trap 'kill $scheduler 2>/dev/null' EXIT
echo "==> 打开 http://127.0.0.1:${port} ，演示账号见 README（密码 Demo@2026）；审批记录的核验地址为 ${PUBLIC_BASE_URL}"
.venv/bin/flask run --host 127.0.0.1 --port "${port}"
