#!/usr/bin/env bash
# run.sh - runs every test binary of a build: the unit tests one after the other, the web
# console's unit tests (vitest), the OpenAPI document check (tests/openapi), the fake embeddings
# server judged by the openai npm client (tests/fakeembed), then the
# integration tests and the console's browser end-to-end
# tests (tests/e2e/run.mjs and knowledge.mjs, headless Chromium) inside an ephemeral stack
# ($BUILD/bin/devstack test). `make check` calls it (and `make test`, with BUILD=build/asan and the sanitizers on)
# after `make web`; without web/node_modules and web/dist the console's tests count as failed.
#
# Usage: tests/run.sh [all|unit|integration|c]: all (the default) as above; unit: the unit tests;
# integration: the integration tests in one ephemeral stack (no e2e); c: unit + integration, what
# `make check-c` and `make tsan` run, with no Node.js. UNIT_BINS / INTEG_BINS (space-separated
# paths; the Makefile passes the binaries of the current sources, so one left in $BUILD by a
# moved or deleted test does not run) replace the binaries found under $BUILD; F, when set, is Criterion's test filter
# (CRITERION_TEST_PATTERN, e.g. 'auth_session/*login*') for every binary.
#
# The fuzz targets of $BUILD/fuzz run for a bounded time (FUZZ_SECONDS, 30 in all).
# Counts are Criterion's ("Synthesis: Tested: X | Passing: Y | Failing: Z | Crashing: W"); a
# binary without that line counts as one test. A binary that exits non-zero, or whose output has
# a sanitizer report (Criterion passes a test whose worker leaked), turns one pass into a failure.
# Env: BUILD (build), UNIT_TIMEOUT (600 s per unit binary), FUZZ_SECONDS (30).
set -euo pipefail

cd "$(dirname "$0")/.."
mode=${1:-all}
case $mode in
all | unit | integration | c) ;;
*)
    echo "usage: tests/run.sh [all|unit|integration|c]" >&2
    exit 2
    ;;
esac
BUILD=${BUILD:-build}
export BUILD
UNIT_TIMEOUT=${UNIT_TIMEOUT:-600}
if [ -n "${F:-}" ]; then
    export CRITERION_TEST_PATTERN=$F
fi

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# ThreadSanitizer builds (make tsan): a report fails the run, its third-party noise is suppressed
# (tests/tsan.supp says why for each entry); services and tests alike inherit this.
export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$PWD/tests/tsan.supp:second_deadlock_stack=1:history_size=4}

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
    if grep -qE 'ERROR: (LeakSanitizer|AddressSanitizer)|WARNING: ThreadSanitizer|runtime error:' "$out"; then
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

# count_summary <label> <exit status> <output file>: adds the counts of a runner that closes with
# "<label>: N passed, M failed" (devstack test, tests/k8s/check.mjs) to the totals.
count_summary() {
    local label=$1 rc=$2 out=$3 line p=0 f=0
    line=$(grep -E "^$label: [0-9]+ passed, [0-9]+ failed\$" "$out" | tail -n 1 || true)
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/^[^:]*: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
    fi
    if [ "$f" -eq 0 ] && [ "$rc" -ne 0 ]; then
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        failures+=("$label ($f failed; exit status $rc)")
    fi
}

units=()
if [ "$mode" != integration ]; then
    if [ -n "${UNIT_BINS:-}" ]; then
        read -ra units <<<"$UNIT_BINS"
    else
        mapfile -t units < <(find "$BUILD/tests/unit" -type f -executable 2>/dev/null | sort)
    fi
fi
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
if [ "$mode" != integration ] && [ "${#fuzzers[@]}" -gt 0 ]; then
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
if [ "$mode" != all ]; then
    : # C only
elif [ -d web/node_modules ]; then
    echo "=== web (vitest)"
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
    echo "=== web (vitest)"
    echo "web/node_modules is missing: run make web" >&2
    p=0 f=1 rc=1
fi
if [ "$mode" = all ]; then
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        failures+=("web vitest ($f failed; exit status $rc)")
    fi
fi

# The Kubernetes manifests and the image (tests/k8s/check.mjs: rendering, schemas, policy rules,
# Dockerfile lint). Its npm packages are installed with npm ci when the lock file is newer than
# the installed tree, as for web/.
if [ "$mode" = all ]; then
    echo "=== k8s (manifests and image)"
    set +e
    (cd tests/k8s && { [ node_modules/.package-lock.json -nt package-lock.json ] ||
        npm ci --no-audit --no-fund --loglevel=error; } && node check.mjs) 2>&1 </dev/null | tee "$work/out"
    rc=${PIPESTATUS[0]}
    set -e
    count_summary k8s "$rc" "$work/out"
fi

# The OpenAPI document: validated, and a client generated from it compiled (tests/openapi/run.sh:
# npm ci there, no running stack needed). Counts as one test.
if [ "$mode" = all ]; then
    echo "=== openapi (tests/openapi)"
    set +e
    tests/openapi/run.sh 2>&1 </dev/null | tee "$work/out"
    rc=${PIPESTATUS[0]}
    set -e
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failures+=("openapi check (exit status $rc)")
    fi
fi

# The fake OpenAI-compatible embeddings server judged by the official openai npm client
# (tests/fakeembed/run.sh: npm ci there, no running stack needed).
if [ "$mode" = all ]; then
    echo "=== fakeembed (the openai npm client against tests/support/fakeembed)"
    set +e
    tests/fakeembed/run.sh 2>&1 </dev/null | tee "$work/out"
    rc=${PIPESTATUS[0]}
    set -e
    count_summary fakeembed "$rc" "$work/out"
fi

integ=()
if [ "$mode" != unit ]; then
    if [ -n "${INTEG_BINS:-}" ]; then
        read -ra integ <<<"$INTEG_BINS"
    else # flat and per-service folders (tests/integration/<svc>/test_*)
        mapfile -t integ < <(find "$BUILD/tests/integration" -type f -executable 2>/dev/null | sort)
    fi
fi
# The browser tests run in the same stack, last: the customer's journey, then the knowledge
# pipeline's pages (Training, Test retrieval). Without a built console they fail by themselves
# (the edge would serve the placeholder page).
[ "$mode" = all ] && integ+=("tests/e2e/run.mjs" "tests/e2e/knowledge.mjs")
if [ "${#integ[@]}" -gt 0 ]; then
    echo "=== integration$([ "$mode" = all ] && echo " and e2e") (${#integ[@]} executables, via $BUILD/bin/devstack test)"
    set +e
    "$BUILD/bin/devstack" test "${integ[@]}" 2>&1 </dev/null | tee "$work/integ"
    rc=${PIPESTATUS[0]}
    set -e
    count_summary integration "$rc" "$work/integ"
fi

if [ "${#failures[@]}" -gt 0 ]; then
    echo
    echo "Failed:"
    printf '  %s\n' "${failures[@]}"
fi
[ "$lsan" -eq 1 ] || echo "(leak checks were off: LeakSanitizer cannot run in this sandbox)"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
