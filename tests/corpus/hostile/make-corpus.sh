#!/bin/sh
# Writes the hostile request bodies of this folder (see MANIFEST). The files
# are kept in the tree; run this only to change them. Needs sh, yes, head,
# tr and gzip.
set -eu
cd "$(dirname "$0")"

repeat() {  # repeat TEXT COUNT: TEXT, COUNT times, no newline
  yes "$1" | head -n "$2" | tr -d '\n'
}
gz() { gzip -9 -n -c > "$1"; }

# json-glib recurses per level: 100,000 levels overflowed a worker's stack.
repeat '[' 100000 | gz nested-brackets.json.gz
repeat '{"a":' 100000 | gz nested-objects.json.gz
# json-glib 1.6 reads single-quoted strings and /* */ comments; a depth check
# that only knows '"' lost count inside them.
{ printf '{"code":'"'"'x"'"'"',"device_name":'; repeat '[' 100000; } | gz single-quote-hides-nesting.json.gz
{ printf '{"code":"x" /* " */,"device_name":'; repeat '[' 100000; } | gz comment-hides-nesting.json.gz
# json-glib 1.6 goes on parsing after the root value and keeps what it read:
# 31 KB of gzip held 1.3 GB.
{ printf '{"visits":[]}['; repeat '0,' 15000000; printf '0]'; } | gz trailing-zeros.json.gz
{ printf '{"code":"AAAAA-AAAAA","device_name":"tablet"}['; repeat '0,' 1000000; printf '0]'; } | gz trailing-array.json.gz
printf '{"visits":[]}{"visits":[]}' > trailing-object.json
printf '{"visits":[]}\n// done\n' > trailing-comment.json
# Within the byte limits, but more values than any real batch.
{ printf '{"visits":[['; repeat '0,' 600000; printf '0]]}'; } | gz too-many-values.json.gz
{ printf '{"visits":[{'; repeat '"k":0,' 300000; printf '"end":0}]}'; } | gz too-many-members.json.gz
# Strings json-glib would cut or mangle.
printf '{"code":"AAAAA\\u0000-AAAAA","device_name":"tablet"}' > nul-escape.json
printf '{"code":"AAAAA-AAAAA","device_name":"tab\000let"}' > raw-nul.json
printf '{"code":"AAAAA-AAAAA","device_name":"\\ud800"}' > lone-high-surrogate.json
printf '{"code":"AAAAA-AAAAA","device_name":"\\udc00x"}' > lone-low-surrogate.json
printf '{"code":"AAAAA-AAAAA","device_name":"\\x41"}' > backslash-x.json
printf '{"code":"AAAAA-AAAAA","device_name":"tab\tlet"}' > raw-tab-in-string.json
printf '{"code":"AAAAA-AAAAA","device_name":"tablet}' > unclosed-string.json
printf '{"code":"AAAAA-AAAAA","device_name":"\377\376"}' > invalid-utf8.json
printf '\357\273\277{"code":"AAAAA-AAAAA","device_name":"tablet"}' > byte-order-mark.json
# Numbers json-glib would wrap around or turn into infinity.
printf '{"visits":[{"uuid":"55555555-5555-4555-8555-555555555501","revision":18446744073709551617}]}' > integer-wraps.json
printf '{"visits":[{"uuid":"55555555-5555-4555-8555-555555555501","revision":1e400}]}' > number-overflow.json
printf '{"visits":[{"uuid":"55555555-5555-4555-8555-555555555501","revision":01}]}' > leading-zero.json
printf '{"visits":[{"uuid":"55555555-5555-4555-8555-555555555501","revision":NaN}]}' > not-a-number.json
# Plain grammar errors json-glib also catches, kept so they stay caught.
printf '{"visits":[],}' > trailing-comma.json
printf '{"visits":[]' > unclosed-object.json
printf ' \n\t ' > only-whitespace.json
printf '"visits"' > root-not-object.json
