#!/usr/bin/env bash
# run.sh - the OpenAPI check, without a running stack: prints the document with the built edge
# ($BUILD/bin/edge --print-openapi), validates it (check.mjs: @apidevtools/swagger-parser plus
# the rules clients rely on), generates TypeScript types from it with openapi-typescript and
# compiles a typed openapi-fetch client against them (client.ts, tsc --noEmit, strict). Installs
# its npm packages with `npm ci` when package-lock.json is newer than node_modules. tests/run.sh
# calls it; by hand: BUILD=build tests/openapi/run.sh. Exit status 0 when everything passes.
set -euo pipefail

cd "$(dirname "$0")"
BUILD=${BUILD:-build}
edge="../../$BUILD/bin/edge"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "openapi: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    touch node_modules/.package-lock.json
fi
mkdir -p generated
LOG_LEVEL=error "$edge" --print-openapi >generated/openapi.json
node check.mjs generated/openapi.json
npx --no-install openapi-typescript generated/openapi.json -o generated/api.d.ts --silent
npx --no-install tsc -p .
echo "openapi: generated client compiles (tsc --strict)"
