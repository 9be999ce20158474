#!/usr/bin/env bash
# Regenerates the hashed locks of the whole Python dependency tree after requirements*.txt changed:
#   requirements.lock      what the application needs (production installs it with --require-hashes)
#   requirements-dev.lock  that plus the test and lint tools (scripts/setup.sh installs it)
# Versions already locked are kept (pip-compile prefers them); only what the pins changed moves.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools" && "$tools/bin/pip" install -q --disable-pip-version-check pip-tools==7.7.0
for pair in "requirements.txt requirements.lock" "requirements-dev.txt requirements-dev.lock"; do
  set -- $pair
  "$tools/bin/pip-compile" -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
    --no-emit-find-links --output-file "$2" "$1"
done
echo "已更新 requirements.lock 与 requirements-dev.lock"
