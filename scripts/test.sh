#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run the checks and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
# The tests also exercise the optional [st] extra (sentence-transformers), which needs torch: its CPU build
# first (this machine has the 2.13.0 CPU wheel; elsewhere: pip install torch --index-url
# https://download.pytorch.org/whl/cpu). The default install (pip install -e .) needs no torch.
python3 -m pip install -q "torch==2.13.0"
python3 -m pip install -q -e ".[test,st]"
python3 -m ruff check src app tests benchmarks
python3 -m mypy
python3 -m pytest -q "$@"
