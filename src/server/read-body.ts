import type { IncomingMessage } from 'node:http';
import { AwsError, RequestEntityTooLargeException } from '../errors/aws-error.js';
import type { BodyBudget } from './connection-guard.js';

/** Largest request body Locksmith accepts (KMS requests are far smaller). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads the request body, refusing it once it passes `limit` bytes: a declared Content-Length
 * over the limit is refused before reading anything, a chunked body as soon as it crosses it.
 * Nothing is reserved up front: the body grows (by doubling) as bytes arrive, each chunk copied in
 * so no socket read buffer stays pinned, and what it holds is counted in `budget` until it is
 * complete or abandoned. A client that goes away mid-body settles the promise too.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES, budget?: BodyBudget): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    let body = Buffer.alloc(0);
    let size = 0;
    let settled = false;
    const settle = (error?: AwsError) => {
      if (settled) return;
      settled = true;
      budget?.release(req);
      req.removeListener('data', onData);
      if (error) {
        req.pause();
        reject(error);
      } else resolve(body.subarray(0, size));
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit) return settle(tooLarge());
      if (size + chunk.length > body.length) {
        const grown = Buffer.allocUnsafe(Math.min(limit, Math.max(size + chunk.length, body.length * 2, 1024)));
        body.copy(grown, 0, 0, size);
        budget?.hold(req, grown.length - body.length);
        body = grown;
      }
      chunk.copy(body, size);
      size += chunk.length;
    };
    req.on('data', onData);
    req.once('end', () => settle());
    req.on('error', () => settle(gone()));
    req.once('close', () => settle(gone()));
  });
}

const tooLarge = () => RequestEntityTooLargeException('The request entity is too large.');
/** The client closed the connection (or it was closed for a deadline) before the body was complete; no one reads the answer. */
// Unverified: AWS's answer to a body that never completes is not documented; 408 as HTTP names it.
const gone = () => new AwsError('RequestTimeoutException', 'The request body was not received in time.', 408);
