#!/usr/bin/env bash
# deps.sh - install the Debian packages listed in infra/packages.txt that are missing (and
# Debian's nodejs/npm when no node/npm is on the PATH).
#
# Nothing missing: silent, exit 0 (runs on every `make run` / `make test`, so it stays fast: one
# dpkg-query call). Missing and root: apt-get update + install. Missing and not root: prints the
# sudo command to run and exits 1.
set -euo pipefail

list="$(dirname "$0")/packages.txt"
mapfile -t wanted < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$list")
# The web console needs node and npm. Whatever provides them already (Debian or not) is kept:
# Debian's nodejs/npm are installed only when the commands are missing.
command -v node >/dev/null 2>&1 || wanted+=(nodejs)
command -v npm >/dev/null 2>&1 || wanted+=(npm)
[ "${#wanted[@]}" -gt 0 ] || exit 0

declare -A installed=()
while read -r name state; do
    [ "$state" = "installed" ] && installed["${name%%:*}"]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Status}\n' "${wanted[@]}" 2>/dev/null || true)

missing=()
for p in "${wanted[@]}"; do
    [ -n "${installed[$p]:-}" ] || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: install them with:" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

echo "deps: installing ${missing[*]}" >&2
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
