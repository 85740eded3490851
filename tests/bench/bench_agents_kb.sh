#!/usr/bin/env bash
# bench_agents_kb.sh - GET /api/agents (a page of 20 of 50 agents) and a ranked full-text search
# GET /api/kb/articles?q=... over 10,000 articles, through the edge, with wrk at 1 and 64
# connections. Runs inside `devstack test` (make bench). The 50 agents are created through the
# API; the 10,000 articles are inserted with SQL as the superuser (the API would take minutes and
# is not what is measured), into the benchmark organisation.
#
# The agents and rag services keep recent answers per organisation (AGENTS_LIST_CACHE_MS,
# RAG_LIST_CACHE_MS), so a repeated query mostly measures the cached path. The "no-cache" rows
# send the same queries with Cache-Control: no-cache, which the services answer from the
# database every time: the uncached path.
set -euo pipefail
: "${EDGE_URL:?run through tests/bench/run.sh}"
DURATION=${BENCH_DURATION:-10s}
email="bench-kb-$RANDOM$RANDOM@example.com"
jar=$(mktemp)
trap 'rm -f "$jar"' EXIT

out=$(curl -s -c "$jar" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"Bench-Passw0rd-2026\",\"name\":\"Bench\",\"org_name\":\"Bench KB\"}" \
    "$EDGE_URL/api/auth/register")
org=$(sed -n 's/.*"organization":{"id":"\([0-9a-f-]*\)".*/\1/p' <<<"$out")
sid=$(awk '$6 == "sid" { print $7 }' "$jar")
[ -n "$org" ] && [ -n "$sid" ] || { echo "bench: register failed: $out" >&2; exit 1; }

for i in $(seq 1 50); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -b "sid=$sid" -H 'Content-Type: application/json' \
        -d "{\"name\":\"Agent $i\",\"description\":\"Sales agent number $i\"}" "$EDGE_URL/api/agents")
    [ "$code" = 201 ] || { echo "bench: create agent answered $code" >&2; exit 1; }
done

# 10,000 articles: English and Russian sales texts with varying words, so searches rank.
psql -q -v ON_ERROR_STOP=1 "$PG_ADMIN_URL" <<SQL
INSERT INTO rag.articles (org_id, title, body)
SELECT '$org',
       CASE WHEN g % 2 = 0 THEN 'Invoice terms ' || g ELSE 'Условия договора ' || g END,
       CASE WHEN g % 2 = 0
            THEN 'How we send invoices and handle payment ' || g || '. Refunds within '
                 || (g % 30) || ' days. Delivery of goods, warranty and support for customers.'
            ELSE 'Как мы заключаем договоры и выставляем счета ' || g || '. Возврат в течение '
                 || (g % 30) || ' дней. Доставка товаров, гарантия и поддержка клиентов.'
       END
FROM generate_series(1, 10000) g;
ANALYZE rag.articles;
SQL

run() { # label url [no-cache]
    for c in 1 64; do
        local threads=$(( c < 2 ? 1 : 2 ))
        local res rps p50 p99 errs fresh=()
        [ -n "${3:-}" ] && fresh=(-H "Cache-Control: no-cache")
        res=$(wrk -t"$threads" -c"$c" -d"$DURATION" --latency -H "Cookie: sid=$sid" "${fresh[@]}" "$2")
        rps=$(awk '/Requests\/sec/ { print $2 }' <<<"$res")
        p50=$(awk '$1 == "50%" { print $2 }' <<<"$res")
        p99=$(awk '$1 == "99%" { print $2 }' <<<"$res")
        errs=$(grep -E 'Non-2xx|Socket errors' <<<"$res" || true)
        printf '%-52s connections=%-3s %10s req/s  p50 %-8s p99 %-8s %s\n' "$1" "$c" "$rps" "$p50" "$p99" "$errs"
    done
}

code=$(curl -s -o /dev/null -w '%{http_code}' -b "sid=$sid" "$EDGE_URL/api/kb/articles?q=invoices")
[ "$code" = 200 ] || { echo "bench: search answered $code" >&2; exit 1; }
agents="$EDGE_URL/api/agents"
selective="$EDGE_URL/api/kb/articles?q=warranty%20refund%2016"
common="$EDGE_URL/api/kb/articles?q=%D0%B4%D0%BE%D0%B3%D0%BE%D0%B2%D0%BE%D1%80"
run "GET /api/agents (20 of 50)" "$agents"
run "  same, Cache-Control: no-cache" "$agents" no-cache
run "GET /api/kb/articles?q=warranty refund 16 (333 hits)" "$selective"
run "  same, Cache-Control: no-cache" "$selective" no-cache
run "GET /api/kb/articles?q=договор (5,000 hits)" "$common"
run "  same, Cache-Control: no-cache" "$common" no-cache
