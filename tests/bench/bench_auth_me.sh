#!/usr/bin/env bash
# bench_auth_me.sh - GET /api/auth/me through the edge with wrk at 1 and 64 connections, then the
# resident memory of every platform process. Runs inside `devstack test` (EDGE_URL etc. are set).
set -euo pipefail
: "${EDGE_URL:?run through tests/bench/run.sh}"
DURATION=${BENCH_DURATION:-10s}
email="bench-$RANDOM$RANDOM@example.com"
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT

code=$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"Bench-Passw0rd-2026\",\"name\":\"Bench\",\"org_name\":\"Bench Org\"}" \
    "$EDGE_URL/api/auth/register")
[ "$code" = 201 ] || { echo "bench: register answered $code" >&2; exit 1; }
sid=$(awk '$6 == "sid" { print $7 }' "$jar")
[ -n "$sid" ] || { echo "bench: no session cookie" >&2; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: sid=$sid" "$EDGE_URL/api/auth/me")
[ "$code" = 200 ] || { echo "bench: /api/auth/me answered $code" >&2; exit 1; }

rss_report() {
    echo "resident memory ($1):"
    for pid in $(pgrep -f "$STACK_BIN_DIR/" || true); do
        name=$(basename "$(readlink -f /proc/$pid/exe 2>/dev/null)" 2>/dev/null) || continue
        [ "$name" = devstack ] && continue
        rss=$(awk '/VmRSS/ { print $2 }' /proc/$pid/status 2>/dev/null) || continue
        awk -v n="$name" -v r="$rss" 'BEGIN { printf "  %-10s %6.1f MB\n", n, r / 1024 }'
    done
    for name in nats-server postgres; do
        total=0
        for pid in $(pgrep -x "$name" || true); do
            r=$(awk '/VmRSS/ { print $2 }' /proc/$pid/status 2>/dev/null || echo 0)
            total=$((total + r))
        done
        awk -v n="$name" -v r="$total" 'BEGIN { printf "  %-10s %6.1f MB (all processes)\n", n, r / 1024 }'
    done
}

rss_report idle
for c in 1 64; do
    threads=$(( c < 2 ? 1 : 2 ))
    out=$(wrk -t"$threads" -c"$c" -d"$DURATION" --latency -H "Cookie: sid=$sid" "$EDGE_URL/api/auth/me")
    rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    errs=$(grep -E 'Non-2xx|Socket errors' <<<"$out" || true)
    printf 'GET /api/auth/me  connections=%-3s  %10s req/s  p50 %-8s p99 %-8s %s\n' \
        "$c" "$rps" "$p50" "$p99" "$errs"
done
rss_report "after load"
