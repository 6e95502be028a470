#!/usr/bin/env bash
# Memory of a 100,000-object index run: full run, no-op rerun, 1% changed; CSV and Parquet. Each in its own process.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
n=${1:-100000}
dotnet build "$here/IndexMemory" -c Release -v q -nologo >/dev/null
exe="$here/IndexMemory/bin/Release/net8.0/IndexMemory.dll"
work=$(mktemp -d)
for fmt in csv parquet; do
  # change: 1% of ETags differ from the full run; the second change run is then a no-op over the changed listing.
  for mode in full noop change change; do
    dotnet "$exe" "$mode" "$work/$fmt" "$n" "$fmt"
  done
done
rm -rf "$work"
