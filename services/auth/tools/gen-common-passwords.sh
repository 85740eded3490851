#!/bin/sh
# gen-common-passwords.sh OUT.txt LIST... - builds the common-password list
# (services/auth/common_passwords.txt, one a line; the build embeds it as auth_common_passwords[]
# through infra/embed-lines.sh).
#
# Each LIST has one password a line ("#!comment" lines are skipped). Entries are lower-cased
# (the check is case-insensitive), kept only if 8..128 bytes long (shorter ones fail the length
# rule anyway), de-duplicated and sorted bytewise for bsearch with strcmp.
#
# The committed table was made from two public lists, both fetched with ordinary package clients:
#   - the 10,000 most frequent entries of zxcvbn 4.4.2's "passwords" list (npm package zxcvbn,
#     MIT; lib/frequency_lists.js, itself from Mark Burnett's 10M-password corpus), and
#   - Openwall's password.lst (Debian package john-data, /usr/share/john/password.lst, public
#     domain), the passwords most often seen on real systems and leaked site dumps.
# To regenerate:
#   npm pack zxcvbn@4.4.2 && tar xzf zxcvbn-4.4.2.tgz
#   grep -o 'passwords: *"[^"]*"' package/lib/frequency_lists.js | sed 's/^passwords: *"//; s/"$//' |
#       tr ',' '\n' | head -10000 >zxcvbn-top10k.txt
#   apt-get download john-data && dpkg-deb -x john-data_*.deb jd
#   services/auth/tools/gen-common-passwords.sh services/auth/common_passwords.txt \
#       zxcvbn-top10k.txt jd/usr/share/john/password.lst
set -eu
out=$1
shift
tmp=$out.tmp
cat "$@" | grep -v '^#!comment' | tr -d '\r' | tr 'A-Z' 'a-z' |
    awk 'length($0) >= 8 && length($0) <= 128' | LC_ALL=C sort -u >"$tmp"
mv "$tmp" "$out"
