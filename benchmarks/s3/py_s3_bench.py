#!/usr/bin/python3
"""The Python original's S3 code path (shared/tools/seed_indexer.py: its client, list_jobs, job_url, list_images),
timed on its own: listing (jobs, url.txt one job at a time, images) and downloading every image with N workers,
as its hash_one does before decoding. Prints one JSON line.

Usage: py_s3_bench.py --endpoint URL --bucket B --root PREFIX --workers N [--limit K] [--list-only]
Credentials and region come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION).
"""
import argparse
import concurrent.futures
import json
import os
import sys
import time

sys.path.insert(0, os.environ.get('SEED_TOOLS', os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', 'shared', 'tools')))
import seed_indexer  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--endpoint', required=True)
    ap.add_argument('--bucket', required=True)
    ap.add_argument('--root', required=True)
    ap.add_argument('--workers', type=int, default=16)
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--list-only', action='store_true')
    a = ap.parse_args()
    cfg = {'aws': {}, 's3': {'timeout_seconds': 300}}
    s3 = seed_indexer.client(cfg, a.endpoint)

    started = time.time()
    jobs = seed_indexer.list_jobs(s3, a.bucket, a.root)
    work = []
    for jp in jobs:
        seed_indexer.job_url(s3, a.bucket, jp)
        for key, _etag in seed_indexer.list_images(s3, a.bucket, jp):
            work.append(key)
    list_seconds = time.time() - started
    if a.limit:
        work = work[:a.limit]

    read_seconds, total = 0.0, 0
    if not a.list_only:
        def get(key):
            return len(s3.get_object(Bucket=a.bucket, Key=key)['Body'].read())
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(max_workers=a.workers) as pool:
            total = sum(pool.map(get, work))
        read_seconds = time.time() - started
    print(json.dumps({'jobs': len(jobs), 'objects': len(work), 'list_seconds': list_seconds,
                      'read_seconds': read_seconds, 'bytes': total}))


if __name__ == '__main__':
    main()
