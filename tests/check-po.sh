#!/usr/bin/env bash
# Every translatable string in the sources listed in po/POTFILES.in has an
# Indonesian translation that is not fuzzy, and every source file that marks
# strings is listed.
set -euo pipefail
src=${1:?source dir}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src"

status=0
# Files that mark strings but are missing from POTFILES.in
while IFS= read -r f; do
  if ! grep -qxF "$f" po/POTFILES.in; then
    echo "not in po/POTFILES.in: $f"
    status=1
  fi
done < <(grep -rlE '(^|[^A-Za-z0-9_])(N?_|C_|NC_)\s*\(\s*"|translatable="yes"' src data 2>/dev/null \
           --include='*.c' --include='*.ui' --include='*.xml.in' --include='*.desktop.in' | sort)

while IFS= read -r f; do
  [ -z "$f" ] || [ "${f#\#}" != "$f" ] && continue
  [ -f "$f" ] || { echo "listed in po/POTFILES.in but missing: $f"; status=1; }
done < po/POTFILES.in

xgettext --from-code=UTF-8 --add-comments=Translators -k_ -kN_ -kC_:1c,2 -kNC_:1c,2 \
  -kg_dngettext:2,3 --files-from=po/POTFILES.in -o "$tmp/verval.pot" 2>"$tmp/xgettext.log" || {
  cat "$tmp/xgettext.log"; exit 1; }
msgmerge -q --no-fuzzy-matching po/id.po "$tmp/verval.pot" -o "$tmp/merged.po"
stats=$(msgfmt -c --statistics -o /dev/null "$tmp/merged.po" 2>&1)
echo "id: $stats"
if echo "$stats" | grep -qE 'untranslated|fuzzy'; then
  msgattrib --untranslated --only-fuzzy "$tmp/merged.po" 2>/dev/null | head -60 || true
  msgattrib --untranslated "$tmp/merged.po" | grep -A1 '^msgid' | head -60
  status=1
fi
exit $status
