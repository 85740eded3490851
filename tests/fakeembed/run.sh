#!/usr/bin/env bash
# run.sh - judges the fake OpenAI-compatible embeddings server ($BUILD/tests/support/fakeembed,
# from tests/support/fakeembed.c) with the official openai npm client (judge.mjs): no running
# stack needed. Installs its npm package with `npm ci` when package-lock.json is newer than
# node_modules. tests/run.sh calls it; by hand: BUILD=build tests/fakeembed/run.sh.
set -euo pipefail

cd "$(dirname "$0")"
BUILD=${BUILD:-build}
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "fakeembed: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules/.package-lock.json
fi
node judge.mjs "../../$BUILD/tests/support/fakeembed"
