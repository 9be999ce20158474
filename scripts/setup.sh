#!/usr/bin/env bash
# Installs whatever is missing for running and testing; safe to run again (does nothing twice).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(fonts-noto-cjk chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 nodejs npm postgresql-client)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "需要 root 权限安装系统软件包：$*" >&2; return 1; fi
}

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  case "$pkg" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
    postgresql-client) command -v pg_dump >/dev/null && continue ;;  # backup/restore on PostgreSQL
  esac
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> 安装系统软件包：${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "==> 创建虚拟环境 .venv"
  "$PYTHON" -m venv .venv
fi
# the whole tree, every file checked against its hash in the lock (scripts/lock.sh writes it from requirements*.txt)
req_hash=$(cat requirements-dev.lock | sha256sum | cut -d' ' -f1)
if [ "$(cat .venv/.requirements-hash 2>/dev/null)" != "$req_hash" ]; then
  echo "==> 安装 Python 依赖（requirements-dev.lock，逐个校验哈希）"
  .venv/bin/pip install -q --disable-pip-version-check --upgrade pip
  .venv/bin/pip install -q --disable-pip-version-check --require-hashes -r requirements-dev.lock
  echo "$req_hash" > .venv/.requirements-hash
fi

# the lockfile, the build script and the modeler's sources (bundled by the build) decide whether to rebuild
lock_hash=$(find package-lock.json scripts/build-assets.mjs webapp/static/modeler -type f -print0 | sort -z \
  | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat node_modules/.lock-hash 2>/dev/null)" != "$lock_hash" ] || [ ! -f webapp/static/vendor/xiayi-modeler.js ]; then
  echo "==> 安装前端依赖（npm ci）并构建静态资源"
  npm ci --no-audit --no-fund --loglevel=error
  npm run --silent build
  echo "$lock_hash" > node_modules/.lock-hash
fi
