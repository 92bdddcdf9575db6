#!/usr/bin/env bash
# Install everything the test suite needs, then run all of it: lint and type checks, the
# JavaScript unit tests (node --test), the engine, the API, and the browser tests in real
# Chromium. Extra arguments go to pytest (e.g. scripts/test.sh -k engine).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads one),
# Node.js for the JavaScript unit tests, and nginx for the test that runs the shipped proxy
# config over two replicas, when they are missing.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)  # Debian's nodejs comes without it
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ "${#missing[@]}" -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} with apt-get"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" fonts-dejavu-core >/dev/null
  else
    echo "warning: no apt-get; tests needing ${missing[*]} will be skipped" >&2
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q -e '.[test]'
# PyTorch is a dev-only reference (never a runtime dependency). Only a CPU wheel already on
# this machine is used: from the registry, pip would fetch a multi-GB CUDA build.
torch_wheel=$(ls "${PIP_FIND_LINKS:-/opt/wheels}"/torch-2.13.0*cpu*.whl 2>/dev/null | head -n 1 || true)
if [ -n "$torch_wheel" ]; then
  .venv/bin/python -m pip install -q "$torch_wheel"
else
  echo "note: no local PyTorch CPU wheel; the PyTorch cross-checks will be skipped"
fi

# ESLint for tests/test_js_lint.py: the exact versions of package-lock.json (dev only; the
# page itself has no build step and loads nothing from node_modules).
if command -v npm >/dev/null 2>&1; then
  npm ci --no-audit --no-fund --loglevel=error
else
  echo "note: no npm; the JavaScript lint test will be skipped"
fi

exec .venv/bin/python -m pytest "$@"
