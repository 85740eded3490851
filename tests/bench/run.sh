#!/usr/bin/env bash
# run.sh - `make bench`: starts an ephemeral stack (as the integration tests do) and runs every
# tests/bench/bench_*.sh against it. Figures are printed, never asserted: tests assert behaviour.
set -euo pipefail
BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
exec "$BUILD/bin/devstack" test "$BUILD"/tests/bench/bench_* "$here"/bench_*.sh
