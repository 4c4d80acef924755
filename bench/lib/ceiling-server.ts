/**
 * The ceiling: a bare node:http server that reads the request and answers a fixed JSON body of the
 * given size with the headers Locksmith sends — what one Node process on this machine can do at best
 * for the same exchange. Run as its own process: node bench/lib/ceiling-server.ts <replyBytes>
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const size = Number(process.argv[2] ?? 300);
const filler = 'x'.repeat(Math.max(0, size - '{"CiphertextBlob":""}'.length));
const body = JSON.stringify({ CiphertextBlob: filler });

const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
      date: new Date().toUTCString(),
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`ceiling listening on http://127.0.0.1:${(server.address() as AddressInfo).port} (reply ${Buffer.byteLength(body)} bytes)`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
