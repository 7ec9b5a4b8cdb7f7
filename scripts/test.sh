#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
fi
python3 -m pip install -q "torch==2.13.0"          # the CPU wheel; plain `torch` pulls a multi-GB CUDA build
python3 -m pip install -q -e ".[test]"
python3 -m ruff check src app tests benchmarks
python3 -m pytest -q "$@"
