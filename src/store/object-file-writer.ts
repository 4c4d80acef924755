/**
 * A new object file written by appends (object-files.ts keeps the layout): `tmp/<id>`, fsynced,
 * renamed into place and the directory fsynced on commit — acknowledged bytes survive a crash.
 *
 * Appends are queued and written in order, one vectored write at a time: the appends that arrive
 * while a write runs go out together in the next. While a large body streams in, the file is
 * flushed in the background every FLUSH_BYTES (fdatasync on the thread pool): the disk writes as
 * the body arrives, and the fsync before the commit has only the tail left to write instead of the
 * whole file (bench/s3.bench.ts).
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ObjectFileWriter } from './s3-ports.js';

const FLUSH_BYTES = 8 * 1024 * 1024;

/** Writes every byte of `pieces` at `position` (a vectored write may write fewer bytes than asked). */
async function writeAll(h: FileHandle, pieces: Uint8Array[], position: number): Promise<void> {
  let rest = pieces;
  let at = position;
  for (;;) {
    const total = rest.reduce((n, p) => n + p.length, 0);
    if (total === 0) return;
    const { bytesWritten } = await h.writev(rest, at);
    if (bytesWritten === total) return;
    at += bytesWritten;
    let skip = bytesWritten;
    const next: Uint8Array[] = [];
    for (const p of rest) {
      if (skip >= p.length) skip -= p.length;
      else {
        next.push(skip > 0 ? p.subarray(skip) : p);
        skip = 0;
      }
    }
    rest = next;
  }
}

/** Appends not yet written: joined into one vectored write when the write before them finishes. */
interface Batch {
  pieces: Uint8Array[];
  at: number;
  length: number;
  done?: Promise<void>;
}

export async function createObjectFile(dir: string, tmp: string, fsyncDir: (d: string) => Promise<void>): Promise<ObjectFileWriter> {
  const fileId = randomBytes(16).toString('hex');
  const temp = join(tmp, fileId);
  const h = await open(temp, 'wx', 0o600);
  let position = 0;
  let unflushed = 0;
  // One write at a time: concurrent writes to one file contend for its inode lock (CPU spent
  // spinning on the thread pool), and appends arriving meanwhile join the next write instead.
  let batch: Batch | undefined;
  let tail: Promise<void> = Promise.resolve();
  let flushing: Promise<void> | undefined;
  let failure: unknown;
  let closed = false;
  const flushIfDue = (length: number) => {
    unflushed += length;
    if (unflushed >= FLUSH_BYTES && flushing === undefined && failure === undefined) {
      unflushed = 0;
      flushing = h.datasync().catch((e: unknown) => void (failure ??= e)).finally(() => (flushing = undefined));
    }
  };
  const settle = async () => {
    for (let last: Promise<void> | undefined; last !== tail;) await (last = tail);
    await flushing;
  };
  const close = async () => {
    if (!closed) await h.close().catch(() => undefined);
    closed = true;
  };
  const discard = async () => {
    await settle();
    await close();
    await rm(temp, { force: true });
  };
  return {
    append(pieces) {
      const length = pieces.reduce((n, p) => n + p.length, 0);
      if (batch === undefined) {
        const b: Batch = { pieces: [], at: position, length: 0 };
        b.done = tail
          .then(() => {
            if (batch === b) batch = undefined;
            if (failure !== undefined) throw failure;
            return writeAll(h, b.pieces, b.at);
          })
          .then(() => flushIfDue(b.length), (e: unknown) => {
            failure ??= e;
            throw e;
          });
        tail = b.done.catch(() => undefined);
        batch = b;
      }
      for (const p of pieces) batch.pieces.push(p);
      batch.length += length;
      position += length;
      return batch.done!;
    },
    async commit() {
      try {
        await settle();
        if (failure !== undefined) throw failure;
        await h.sync();
        await close();
        await rename(temp, join(dir, fileId));
        await fsyncDir(dir);
        return fileId;
      } catch (e) {
        await discard();
        throw e;
      }
    },
    discard,
  };
}
