import type { IncomingMessage } from 'node:http';
import { RequestEntityTooLargeException } from '../protocols/errors.js';

/** Largest request body Locksmith accepts (KMS requests are far smaller). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads the request body, refusing it once it passes `limit` bytes: a declared Content-Length
 * over the limit is refused before reading anything, a chunked body as soon as it crosses it.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

const tooLarge = () => RequestEntityTooLargeException('The request entity is too large.');
