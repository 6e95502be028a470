#!/usr/bin/env bash
# S3 listing/download benchmark: .NET S3ImageSource vs the Python original's boto3 code, on a local s3rver.
# Needs: node 20 + `npm ci --prefix tests/s3rver` (the fixture runs it if missing), and for the Python side
# `apt-get install -y python3-boto3 python3-yaml python3-pil python3-numpy python3-scipy` (run with /usr/bin/python3).
# Usage: benchmarks/s3/run.sh [--jobs 40] [--per-job 25] [--many-jobs 1000] [--latency-ms 30] [--latency-objects 300]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet build "$here/S3Bench/S3Bench.csproj" -c Release -v quiet -nologo
dotnet "$here/S3Bench/bin/Release/net10.0/S3Bench.dll" "$@"
