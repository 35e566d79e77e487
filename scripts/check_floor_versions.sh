#!/usr/bin/env bash
# Re-check the lowest versions pyproject.toml claims. A fresh virtual environment gets every
# `>=` bound of `dependencies` and of the `test` extra pinned exactly (`==`), then the full
# test suite and ruff run in it. Usage:
#   scripts/check_floor_versions.sh [VENV]     (default .venv-floor; PYTHON=python3.11 to choose)
# Takes a few minutes; not part of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${1:-.venv-floor}

rm -rf "$venv"
"${PYTHON:-python3}" -m venv "$venv"
"$venv/bin/python" - >"$venv/floor-pins.txt" <<'PY'
import re
import sys
import tomllib

with open("pyproject.toml", "rb") as handle:
    project = tomllib.load(handle)["project"]
for spec in project["dependencies"] + project["optional-dependencies"]["test"]:
    bound = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", spec)
    if bound is None:
        sys.exit(f"pyproject.toml: {spec!r} is not NAME>=VERSION; this script pins only those")
    print(f"{bound[1]}=={bound[2]}")
PY
echo "+ pins: $(tr '\n' ' ' <"$venv/floor-pins.txt")"
# The pins as constraints: pip fails if one falls outside pyproject.toml's own ranges.
"$venv/bin/pip" install -q -c "$venv/floor-pins.txt" -e '.[test]'
"$venv/bin/pip" list --format=freeze 2>/dev/null | grep -iE "$(sed 's/==.*//' "$venv/floor-pins.txt" | paste -sd'|')" || true
echo "+ $("$venv/bin/python" --version)"

"$venv/bin/ruff" check src tests
"$venv/bin/ruff" format --check src tests
"$venv/bin/python" -m pytest -q -p no:cacheprovider
