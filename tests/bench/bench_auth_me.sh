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

# mem_line <label> <pid...>: RSS, PSS (shared library pages charged in proportion) and private
# memory, summed over the given processes.
mem_line() {
    local label=$1 rss=0 pss=0 priv=0 pid
    shift
    for pid in "$@"; do
        [ -r /proc/$pid/smaps_rollup ] || continue
        read -r r p v < <(awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 }
            /^Private_(Clean|Dirty):/ { v += $2 } END { print r, p, v }' /proc/$pid/smaps_rollup)
        rss=$((rss + r)) pss=$((pss + p)) priv=$((priv + v))
    done
    awk -v n="$label" -v r="$rss" -v p="$pss" -v v="$priv" \
        'BEGIN { printf "  %-12s RSS %6.1f MB   PSS %6.1f MB   private %6.1f MB\n", n, r / 1024, p / 1024, v / 1024 }'
}

rss_report() {
    echo "memory ($1):"
    local pid name
    for pid in $(pgrep -f "^$STACK_BIN_DIR/" || true); do
        # Only this stack's processes: they carry its NATS_URL.
        tr '\0' '\n' </proc/$pid/environ 2>/dev/null | grep -qx "NATS_URL=$NATS_URL" || continue
        name=$(basename "$(readlink -f /proc/$pid/exe)")
        mem_line "$name" "$pid"
    done
    mem_line nats-server $(pgrep -f "nats-server .*-p $NATS_PORT( |$)" || true)
    local pm
    pm=$(pgrep -f "postgres .*-p $PG_PORT( |$)" | head -1 || true)
    [ -n "$pm" ] && mem_line "postgres (all)" "$pm" $(pgrep -P "$pm" || true)
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
