#!/usr/bin/env bash
# Sets everything up and runs the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "==> 检查模块依赖方向（import-linter，.importlinter）"
.venv/bin/lint-imports --no-cache >/dev/null || { .venv/bin/lint-imports --no-cache; exit 1; }

echo "==> 代码检查与格式（ruff check + ruff format，pyproject.toml）"
.venv/bin/ruff check --quiet . || { .venv/bin/ruff check .; exit 1; }
.venv/bin/ruff format --check --quiet . || { echo "格式不符：运行 .venv/bin/ruff format . 后再提交"; .venv/bin/ruff format --check .; exit 1; }

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  echo "==> 测试：SQLite"
  exec env -u TEST_DATABASE_URL .venv/bin/python -m pytest "$@"
fi

# Both databases at once: the suite is mostly one Python process waiting on itself, so two runs share the cores
# well. Each writes to its own log and temporary folder; the logs are shown whole when both have ended.
logs=$(mktemp -d)
echo "==> 测试：SQLite 与 PostgreSQL（${TEST_DATABASE_URL}，每次运行使用新建的临时数据库）同时运行，结束后显示各自结果"
env -u TEST_DATABASE_URL .venv/bin/python -m pytest -p no:cacheprovider --basetemp="$logs/sqlite" "$@" >"$logs/sqlite.log" 2>&1 &
sqlite_run=$!
.venv/bin/python -m pytest -p no:cacheprovider --basetemp="$logs/postgresql" "$@" >"$logs/postgresql.log" 2>&1 &
postgresql_run=$!
sqlite_rc=0 postgresql_rc=0
wait "$sqlite_run" || sqlite_rc=$?
wait "$postgresql_run" || postgresql_rc=$?
echo "==> 测试：SQLite（退出码 $sqlite_rc）"
cat "$logs/sqlite.log"
echo "==> 测试：PostgreSQL（退出码 $postgresql_rc）"
cat "$logs/postgresql.log"
rm -rf "$logs"
[ "$sqlite_rc" -eq 0 ] && [ "$postgresql_rc" -eq 0 ] || exit 1

echo "==> 负载冒烟：gunicorn + PostgreSQL，20 个用户 10 秒；任何 5xx 或连接错误即失败（不看耗时）"
.venv/bin/python bench/http.py --users 20 --seconds 10 --warmup 3 --errors-only --pg-url "$TEST_DATABASE_URL"
