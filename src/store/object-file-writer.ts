/**
 * A new object file written by appends (object-files.ts keeps the layout): `tmp/<id>`, fsynced,
 * renamed into place and the directory fsynced on commit — acknowledged bytes survive a crash.
 *
 * Appends are vectored writes at their own offsets, so several can be in flight. While a large body
 * streams in, the file is flushed in the background every FLUSH_BYTES (fdatasync on the thread
 * pool): the disk writes as the body arrives, and the fsync before the commit has only the tail
 * left to write instead of the whole file (bench/s3.bench.ts).
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

export async function createObjectFile(dir: string, tmp: string, fsyncDir: (d: string) => Promise<void>): Promise<ObjectFileWriter> {
  const fileId = randomBytes(16).toString('hex');
  const temp = join(tmp, fileId);
  const h = await open(temp, 'wx', 0o600);
  let position = 0;
  let unflushed = 0;
  const writes = new Set<Promise<void>>();
  let flushing: Promise<void> | undefined;
  let failure: unknown;
  let closed = false;
  const settle = async () => {
    while (writes.size > 0) await Promise.allSettled([...writes]);
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
      const at = position;
      const length = pieces.reduce((n, p) => n + p.length, 0);
      position += length;
      const write = writeAll(h, pieces, at).then(() => {
        unflushed += length;
        if (unflushed >= FLUSH_BYTES && flushing === undefined && failure === undefined) {
          unflushed = 0;
          flushing = h.datasync().catch((e: unknown) => void (failure ??= e)).finally(() => (flushing = undefined));
        }
      });
      writes.add(write);
      const forget = () => void writes.delete(write);
      write.then(forget, (e: unknown) => {
        failure ??= e;
        forget();
      });
      return write;
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
