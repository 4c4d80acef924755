/**
 * The ceiling: a bare node:http server that reads the request and answers a fixed JSON body of the
 * given size with the headers Locksmith sends — what Node on this machine can do at best for the
 * same exchange, with the same number of processes as the Locksmith server (node:cluster when more
 * than one). Run as its own process: node bench/lib/ceiling-server.ts <replyBytes> [workers] [sign].
 * With `sign`, each answer also carries an ECDSA P-256 signature of the request body (node:crypto,
 * SHA-256): the most a Sign server built on node:http can serve here, against bare signing.
 */
import cluster from 'node:cluster';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const size = Number(process.argv[2] ?? 300);
const workers = Number(process.argv[3] ?? 1);
const filler = 'x'.repeat(Math.max(0, size - '{"CiphertextBlob":""}'.length));
const body = JSON.stringify({ CiphertextBlob: filler });
const signer = process.argv[4] === 'sign' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey : undefined;

if (workers > 1 && cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().once('listening', (a) => {
      if (++listening === workers) console.log(`ceiling listening on http://127.0.0.1:${a.port} (reply ${Buffer.byteLength(body)} bytes, ${workers} workers)`);
    });
  }
  process.once('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    // The plain ceiling reads and drops the body, as it always has; only the signing one keeps it.
    req.on('data', signer ? (c: Buffer) => chunks.push(c) : () => {});
    req.on('end', () => {
      const reply = signer ? JSON.stringify({ Signature: sign('sha256', Buffer.concat(chunks), signer).toString('base64') }) : body;
      res.writeHead(200, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
        date: new Date().toUTCString(),
        'content-length': Buffer.byteLength(reply),
      });
      res.end(reply);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    if (!cluster.isWorker) console.log(`ceiling listening on http://127.0.0.1:${(server.address() as AddressInfo).port} (reply ${Buffer.byteLength(body)} bytes)`);
  });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
