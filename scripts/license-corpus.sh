#!/bin/sh
# Writes a real-language training corpus that needs no download: the licence texts every Debian machine has in
# /usr/share/common-licenses (package base-files, Essential), one document per file (symbolic links, which
# repeat a file under another name, are skipped), in byte order of their names so that the corpus is the same
# on every run. The licences allow verbatim copies; the corpus is built on the machine and never committed.
#   scripts/license-corpus.sh DIR     # writes DIR/*.txt (about 300 KB)
set -eu
out=${1:?usage: scripts/license-corpus.sh DIR}
src=${LICENSES_DIR:-/usr/share/common-licenses}
if [ ! -d "$src" ]; then
  echo "license-corpus: $src is missing (it comes with Debian's base-files package)" >&2
  exit 2
fi
mkdir -p "$out"
count=0
for f in $(LC_ALL=C find "$src" -maxdepth 1 -type f | LC_ALL=C sort); do
  cp "$f" "$out/$(basename "$f").txt"
  count=$((count + 1))
done
if [ "$count" -eq 0 ]; then
  echo "license-corpus: no licence texts in $src" >&2
  exit 2
fi
echo "license-corpus: $count licence texts, $(cat "$out"/*.txt | wc -c) bytes in $out"
