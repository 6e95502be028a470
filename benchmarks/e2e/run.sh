#!/usr/bin/env bash
# End-to-end benchmarks for issues #4 and #5: Update-HashIndex (through the real PowerShell engine, importing
# HashIndexer.psd1) beside shared/tools/seed_indexer.py (the original tool) on the same s3rver buckets, in one run.
# Needs node 20 (`npm ci --prefix tests/s3rver` is run if missing), /usr/bin/time, and Debian's python3 packages:
#   apt-get install -y python3-boto3 python3-yaml python3-pil python3-numpy python3-scipy python3-pywt
# Usage: benchmarks/e2e/run.sh [--reps 3] [--workers 1,4,16] [--latency-ms 30] [--latency-workers 1,4,16]
#          [--small 100000] [--small-jobs 200] [--small-workers 16] [--python-small]
#          [--only corpus,latency,breakdown,small (default); also fast, tc0, field (24 12-MP photos), triple (the corpus
#          jobs three times over: 1,386 objects)] [--phases]
#          [--data-dir /tmp/hashindexer-e2e] [--out benchmarks/e2e/out]
# fast = ours with hashing.decode: fast; tc0 = ours with DOTNET_TieredCompilation=0; --phases = -Verbose and phase
# times from the run's own messages; --python-small = the original on the 100,000-object bucket too (about 6 min).
# Defaults took 18 minutes here (71 s of it seeding 100,000 objects, once).
# The s3rver data folder (--data-dir) is kept: the buckets are seeded once (100,000 objects take a few minutes)
# and reused by later runs. Delete the folder to seed again. Tables: stdout and <out>/tables-*.md; raw samples:
# <out>/samples-*.csv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
[ -f "$repo/tests/s3rver/node_modules/s3rver/package.json" ] || npm ci --prefix "$repo/tests/s3rver" --no-audit --no-fund
# CmdletHost builds the module (out/HashIndexer, what HashIndexer.psd1 points at) in Release first.
dotnet build "$here/CmdletHost/CmdletHost.csproj" -c Release -v quiet -nologo
dotnet build "$here/E2EBench/E2EBench.csproj" -c Release -v quiet -nologo
echo "uptime: $(uptime)" >&2
dotnet "$here/E2EBench/bin/Release/net10.0/E2EBench.dll" run --host "$here/CmdletHost/bin/Release/net10.0/CmdletHost.dll" "$@"
