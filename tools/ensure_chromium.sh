#!/usr/bin/env bash
# Installs Debian's chromium (and the fonts the console's screenshots use) for the browser
# tests, when missing. Playwright drives /usr/bin/chromium; it never downloads a browser.
set -euo pipefail

PACKAGES=(chromium fonts-roboto-unhinted fonts-noto-cjk)

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
for pkg in "${PACKAGES[@]:1}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "ensure_chromium: missing ${missing[*]} and not root; install them with apt-get" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "ensure_chromium: installing ${missing[*]} with apt-get (one time)" >&2
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
test -x /usr/bin/chromium
