import type { IncomingMessage } from 'node:http';
import { AwsError, RequestEntityTooLargeException } from '../errors/aws-error.js';
import { BODY_BLOCK_BYTES, type BodyBudget } from './connection-guard.js';

/** Largest request body Locksmith accepts (KMS requests are far smaller). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Reads the request body, refusing it once it passes `limit` bytes: a declared Content-Length
 * over the limit is refused before reading anything, a chunked body as soon as it crosses it.
 * Nothing is reserved up front: bytes are copied (so no socket read buffer stays pinned) into
 * blocks allocated as they fill — a small body's one block sized to its declared length, a large
 * body's blocks of BODY_BLOCK_BYTES taken from and given back to the budget's reuse pool, never
 * copied to grow — and what the blocks hold is counted in `budget` until the body is complete or
 * abandoned. A client that goes away mid-body settles the promise too.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES, budget?: BodyBudget): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const blocks: Buffer[] = [];
    const pooled: Buffer[] = [];
    let block: Buffer = Buffer.alloc(0);
    let used = 0; // bytes of `block` in use
    let size = 0; // bytes received
    let settled = false;
    const settle = (error?: AwsError) => {
      if (settled) return;
      settled = true;
      budget?.release(req);
      req.removeListener('data', onData);
      if (used > 0) blocks.push(block.subarray(0, used));
      if (error) {
        req.pause();
        budget?.recycle(pooled);
        reject(error);
        return;
      }
      // A pooled block is reused once given back: the caller gets a copy of it.
      const body = blocks.length === 1 && pooled.length === 0 ? blocks[0]! : Buffer.concat(blocks, size);
      budget?.recycle(pooled);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit) return settle(tooLarge());
      let offset = 0;
      while (offset < chunk.length) {
        if (used === block.length) {
          if (used > 0) blocks.push(block);
          const wanted = declared > size + offset ? declared - size - offset : chunk.length - offset;
          if (budget && wanted >= BODY_BLOCK_BYTES) pooled.push((block = budget.takeBlock()));
          else block = Buffer.allocUnsafe(Math.min(BODY_BLOCK_BYTES, Math.max(wanted, 1024)));
          used = 0;
          budget?.hold(req, block.length);
        }
        const n = chunk.copy(block, used, offset);
        used += n;
        offset += n;
      }
      size += chunk.length;
    };
    req.on('data', onData);
    req.once('end', () => settle());
    // Only an unsettled read gets the error: 'close' also follows every complete body, and an
    // error object (its stack) per request is a measurable share of a small call's CPU.
    const abandoned = () => {
      if (!settled) settle(gone());
    };
    req.on('error', abandoned);
    req.once('close', abandoned);
  });
}

const tooLarge = () => RequestEntityTooLargeException('The request entity is too large.');
/** The client closed the connection (or it was closed for a deadline) before the body was complete; no one reads the answer. */
// Unverified: AWS's answer to a body that never completes is not documented; 408 as HTTP names it.
const gone = () => new AwsError('RequestTimeoutException', 'The request body was not received in time.', 408);
