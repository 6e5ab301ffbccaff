#!/usr/bin/env bash
# `make bench`: overhead of hostprof next to perf, measured in one run. See scripts/bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/bench.py "$@"
