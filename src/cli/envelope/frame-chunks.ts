/**
 * Re-cuts a byte stream into chunks of exactly `frameLength` bytes (the last one shorter).
 * @aws-crypto/encrypt-node 5.0.2's FramedEncryptStream subtracts a chunk's tail from
 * plaintextLength a second time when the chunk crosses a frame boundary, so with plaintextLength
 * set (needed by the caching CMM) any read larger than a frame fails with "Encrypted data exceeded
 * plaintextLength". Frame-sized chunks never cross a boundary. Holds at most one frame.
 */
import { Transform, type TransformCallback } from 'node:stream';

export function frameChunks(frameLength: number): Transform {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameLength - pendingBytes, chunk.length - offset);
        pending.push(chunk.subarray(offset, offset + take));
        pendingBytes += take;
        offset += take;
        if (pendingBytes === frameLength) {
          this.push(pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes));
          pending = [];
          pendingBytes = 0;
        }
      }
      cb();
    },
    flush(cb: TransformCallback) {
      if (pendingBytes > 0) this.push(Buffer.concat(pending, pendingBytes));
      cb();
    },
  });
}
