#!/usr/bin/env bash
# run.sh - runs every test binary of a build: the unit tests one after the other, the web
# console's unit tests (vitest), then the integration tests and the console's browser end-to-end
# test (tests/e2e/run.mjs, headless Chromium) inside an ephemeral stack ($BUILD/bin/devstack
# test). `make check` calls it (and `make test`, with BUILD=build/asan and the sanitizers on)
# after `make web`; without web/node_modules and web/dist the console's tests count as failed.
#
# The fuzz targets of $BUILD/fuzz run for a bounded time (FUZZ_SECONDS, 30 in all).
# Counts are Criterion's ("Synthesis: Tested: X | Passing: Y | Failing: Z | Crashing: W"); a
# binary without that line counts as one test. A binary that exits non-zero, or whose output has
# a sanitizer report (Criterion passes a test whose worker leaked), turns one pass into a failure.
# Env: BUILD (build), UNIT_TIMEOUT (600 s per unit binary), FUZZ_SECONDS (30).
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
UNIT_TIMEOUT=${UNIT_TIMEOUT:-600}

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

work=$(mktemp -d /tmp/run-tests-XXXXXX)
trap 'rm -rf "$work"' EXIT

# LeakSanitizer stops the world with ptrace; some sandboxes forbid that, and then every
# sanitized binary would die at exit. Probe once and say so instead.
lsan=1
if printf '#include <stdlib.h>\nvoid *keep;\nint main(void){keep = malloc(7); keep = 0; return 0;}\n' |
    cc -fsanitize=address -x c - -o "$work/lsan-probe" 2>/dev/null; then
    probe=$(ASAN_OPTIONS=detect_leaks=1 "$work/lsan-probe" 2>&1 || true)
    if echo "$probe" | grep -qE 'LeakSanitizer has encountered a fatal error|does not work under ptrace'; then
        lsan=0
        echo "run.sh: LeakSanitizer cannot run here (ptrace is not allowed in this sandbox): leak checks are OFF" >&2
    fi
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=$lsan}

passed=0
failed=0
failures=()

# count <name> <exit status> <output file>: adds the binary's results to the totals.
count() {
    local name=$1 rc=$2 out=$3 line p=0 f=0 san=0
    line=$(sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' "$out" |
        grep -o 'Synthesis: Tested: [0-9]* | Passing: [0-9]* | Failing: [0-9]* | Crashing: [0-9]*' |
        tail -n 1 || true)
    if grep -qE 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:' "$out"; then
        san=1
    fi
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/.*Passing: ([0-9]+).*/\1/')
        f=$(echo "$line" | sed -E 's/.*Failing: ([0-9]+).*/\1/')
        if [ "$f" -eq 0 ] && { [ "$rc" -ne 0 ] || [ "$san" -eq 1 ]; }; then
            f=1 # one of the "passing" tests leaked or broke something: count it failed
            [ "$p" -gt 0 ] && p=$((p - 1))
        fi
    elif [ "$rc" -eq 0 ] && [ "$san" -eq 0 ]; then
        p=1
    else
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        local why="exit status $rc"
        [ "$rc" -eq 124 ] && why="timed out after ${UNIT_TIMEOUT}s"
        [ "$san" -eq 1 ] && why="$why, sanitizer report"
        failures+=("$name ($f failed; $why)")
    fi
}

mapfile -t units < <(find "$BUILD/tests/unit" -type f -executable 2>/dev/null | sort)
for bin in "${units[@]}"; do
    echo "=== ${bin#"$BUILD"/}"
    set +e
    timeout -k 10 "$UNIT_TIMEOUT" "$bin" --jobs 2 2>&1 </dev/null | tee "$work/out"
    rc=${PIPESTATUS[0]}
    set -e
    count "${bin#"$BUILD"/}" "$rc" "$work/out"
done

# The fuzz targets (tests/fuzz): a bounded run each from its seeds, FUZZ_SECONDS (30) shared
# among them; a crash, sanitizer report or failed check fails it. New inputs go to a scratch
# corpus; a failing input is kept in $BUILD/fuzz/artifacts/ to replay (binary <file>).
mapfile -t fuzzers < <(find "$BUILD/fuzz" -maxdepth 1 -type f -executable -name 'fuzz_*' 2>/dev/null | sort)
if [ "${#fuzzers[@]}" -gt 0 ]; then
    per=$((${FUZZ_SECONDS:-30} / ${#fuzzers[@]}))
    [ "$per" -ge 1 ] || per=1
    mkdir -p "$BUILD/fuzz/artifacts"
    for bin in "${fuzzers[@]}"; do
        name=$(basename "$bin")
        echo "=== ${bin#"$BUILD"/} (${per} s)"
        mkdir -p "$work/$name"
        set +e
        "$bin" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$BUILD/fuzz/artifacts/$name-" "$work/$name" \
            "tests/fuzz/corpus/${name#fuzz_}" </dev/null >"$work/out" 2>&1
        rc=$?
        set -e
        if [ "$rc" -eq 0 ]; then
            tail -n 1 "$work/out"
        else
            tail -n 40 "$work/out"
        fi
        count "${bin#"$BUILD"/}" "$rc" "$work/out"
    done
fi

# The console's unit tests: vitest's JSON report gives the counts.
echo "=== web (vitest)"
if [ -d web/node_modules ]; then
    set +e
    (cd web && npx --no-install vitest run --reporter=default --reporter=json \
        --outputFile.json="$work/vitest.json") 2>&1 </dev/null | tee "$work/out"
    rc=${PIPESTATUS[0]}
    set -e
    vitest_count() { node -e 'try { console.log(require(process.argv[1])[process.argv[2]] || 0) }
                              catch { console.log(0) }' "$work/vitest.json" "$1"; }
    p=$(vitest_count numPassedTests)
    f=$(vitest_count numFailedTests)
    if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then
        f=1
    fi
else
    echo "web/node_modules is missing: run make web" >&2
    p=0 f=1 rc=1
fi
passed=$((passed + p))
failed=$((failed + f))
if [ "$f" -gt 0 ]; then
    failures+=("web vitest ($f failed; exit status $rc)")
fi

mapfile -t integ < <(find "$BUILD/tests/integration" -maxdepth 1 -type f -executable 2>/dev/null | sort)
# The browser test runs in the same stack, last. Without a built console it fails by itself
# (the edge would serve the placeholder page).
integ+=("tests/e2e/run.mjs")
if [ "${#integ[@]}" -gt 0 ]; then
    echo "=== integration and e2e (${#integ[@]} executables, via $BUILD/bin/devstack test)"
    set +e
    "$BUILD/bin/devstack" test "${integ[@]}" 2>&1 </dev/null | tee "$work/integ"
    rc=${PIPESTATUS[0]}
    set -e
    line=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed$' "$work/integ" | tail -n 1 || true)
    p=0
    f=0
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/^integration: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
    fi
    if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        failures+=("integration ($f failed; devstack exit status $rc)")
    fi
fi

if [ "${#failures[@]}" -gt 0 ]; then
    echo
    echo "Failed:"
    printf '  %s\n' "${failures[@]}"
fi
[ "$lsan" -eq 1 ] || echo "(leak checks were off: LeakSanitizer cannot run in this sandbox)"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
