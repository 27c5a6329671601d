#!/usr/bin/env bash
# Creates .local/checkov-venv with a pinned checkov, when missing or out of date.
# checkov lives in its own virtualenv: its pins clash with the app's requirements.
# Idempotent: a second run with the same pin does nothing (no registry call).
set -euo pipefail
cd "$(dirname "$0")/.."

CHECKOV_VERSION="3.3.30"
PYTHON="${PYTHON:-python3}"
VENV=".local/checkov-venv"
STAMP="$VENV/.installed-$CHECKOV_VERSION"

if [ -f "$STAMP" ] && [ -x "$VENV/bin/checkov" ]; then
  exit 0
fi

echo "ensure_checkov: installing checkov==$CHECKOV_VERSION into $VENV (one time)" >&2
mkdir -p .local
test -x "$VENV/bin/python" || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
rm -f "$VENV"/.installed-*
"$VENV/bin/checkov" --version >/dev/null
touch "$STAMP"
