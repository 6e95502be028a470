#!/usr/bin/env bash
# Side-by-side throughput of the hashing core, the Python reference and Pillow's decode alone,
# on 12 MP field photos (made fresh) and on corpus/images/src. One run, same machine, same moment.
# Usage: benchmarks/hash-bench.sh [PASSES]      (from the worktree root or anywhere)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
shared="$(cd "$root/../shared" && pwd)"
passes="${1:-3}"
py=/usr/bin/python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

dotnet build "$here/HashIndexer.Benchmarks" -c Release -v quiet -nologo >/dev/null
bench="$here/HashIndexer.Benchmarks/bin/Release/net10.0/HashIndexer.Benchmarks"

"$py" "$shared/tools/make_field_photos.py" "$shared/corpus/images/src" "$tmp/field" 12 >/dev/null

pillow_decode() {
  "$py" - "$1" "$passes" <<'PY'
import os, sys, time
from PIL import Image
folder, passes = sys.argv[1], int(sys.argv[2])
files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
for name, draft in (('full', False), ('draft 1/8', True)):
    best = None
    for _ in range(passes):
        t = time.perf_counter()
        for f in files:
            im = Image.open(f)
            if draft and im.format == 'JPEG':
                im.draft('L' if im.mode == 'L' else 'RGB', (im.size[0] // 8, im.size[1] // 8))
            im.load()
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    print('pillow decode %-9s %d images: %.1f images/s (best of %d)' % (name, len(files), len(files) / best, passes))
PY
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for folder in "$tmp/field" "$shared/corpus/images/src"; do
  echo
  echo "## $( [ "$folder" = "$tmp/field" ] && echo "12 field photos (12 MP JPEG 4:2:0 q90)" || echo "corpus/images/src (34 photos, mixed formats)")"
  echo "reference (hash_reference.py --bench):"
  "$py" "$shared/tools/hash_reference.py" --bench "$folder" | sed 's/^/  /'
  pillow_decode "$folder" | sed 's/^/  /'
  for mode in exact fast; do
    for what in phash seed; do
      for workers in 1 all; do
        "$bench" bench "$folder" "$mode" "$what" "$workers" "$passes" | sed 's/^/  /'
      done
    done
  done
done
