import { Agent, request } from 'node:http';
import type { WireRequest } from './sign.js';

export interface WireResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: any;
}

/**
 * The request as raw HTTP/1.1 bytes, exactly as given (Host is among the signed headers), with a
 * Content-Length of its body: what wrk replays and the paced generator writes to its sockets.
 */
export function wireBytes(r: WireRequest): Buffer {
  const body = Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
  const headers = Object.entries(r.headers).filter(([k]) => k.toLowerCase() !== 'content-length');
  const head = `${r.method} ${r.path} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}content-length: ${body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** A keep-alive agent for a bounded number of concurrent connections. */
export const keepAliveAgent = (maxSockets = 16) => new Agent({ keepAlive: true, maxSockets, scheduling: 'fifo', timeout: 4_000 });

/** Sends a request exactly as given (method, path with query, headers, body). */
export function sendWire(endpoint: string, r: WireRequest, agent?: Agent): Promise<WireResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    // An explicit Content-Length (node leaves it out for GET and DELETE bodies, which breaks the framing).
    const headers = Object.keys(r.headers).some((k) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding')
      ? r.headers
      : { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) };
    const req = request({ host: url.hostname, port: url.port, method: r.method, path: r.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(r.body);
  });
}
