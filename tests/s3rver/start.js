// Starts s3rver for HashIndexer's tests (tests/HashIndexer.TestSupport/S3rverFixture.cs runs it).
// Usage: node start.js <data directory> [port]   (port 0 or absent: a free one)
// Prints "S3rver listening on <address>:<port>" once ready, and exits when its standard input closes, so a test
// process that dies without cleaning up never leaves a server behind.
// Node 20 needs NODE_OPTIONS=--openssl-legacy-provider: s3rver's continuation tokens use a legacy cipher.
'use strict';
const S3rver = require('s3rver');

const [directory, port] = process.argv.slice(2);
if (!directory) {
  console.error('usage: node start.js <data directory> [port]');
  process.exit(2);
}

const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port || 0),
  directory,
  silent: true,
  vhostBuckets: false,
});

server.run().then(
  ({ address, port: bound }) => console.log(`S3rver listening on ${address}:${bound}`),
  err => {
    console.error(err);
    process.exit(1);
  },
);

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
