/**
 * Object bytes in `<data-dir>/objects/`: files named by random ids (never derived from object
 * keys, so no key can reach outside the directory). A write goes to `tmp/<id>`, is fsynced and
 * renamed into place (and the directory fsynced) before the caller commits metadata; the file an
 * overwrite or delete replaced is removed after that commit.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, openSync } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ObjectFiles, WrittenFile } from './s3-ports.js';
import { createObjectFile } from './object-file-writer.js';

/** Thrown when a body passes the write's limit. */
export class BodyTooLargeError extends Error {
  constructor() {
    super('body too large');
  }
}

const ID = /^[0-9a-f]{32}$/;
/**
 * Bytes per file read, and buffered ahead of a file write (so Node's writev joins the socket's
 * 64 KiB pieces): fewer system calls and thread-pool round trips per object (bench/s3.bench.ts).
 */
const IO_BYTES = 1024 * 1024;

export function localObjectFiles(dir: string): ObjectFiles {
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp, { recursive: true, mode: 0o700 });
  const fsyncDir = async (d: string) => {
    const h = await open(d, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  };
  const writeFrom = async (sources: Readable[], limit: number, withSha256 = true): Promise<WrittenFile> => {
    const fileId = randomBytes(16).toString('hex');
    const temp = join(tmp, fileId);
    const md5 = createHash('md5');
    const sha256 = withSha256 ? createHash('sha256') : undefined;
    let size = 0;
    const out = createWriteStream(temp, { mode: 0o600, highWaterMark: IO_BYTES });
    try {
      const digest = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > limit) return done(new BodyTooLargeError());
          md5.update(chunk);
          sha256?.update(chunk);
          done(null, chunk);
        },
      });
      // One pipeline over the sources in turn (one per part stream would add listeners to `out` per part).
      async function* bodies() {
        for (const source of sources) yield* source;
      }
      await pipeline(bodies, digest, out);
      const h = await open(temp, 'r+');
      try {
        await h.sync();
      } finally {
        await h.close();
      }
      await rename(temp, join(dir, fileId));
      await fsyncDir(dir);
    } catch (e) {
      out.destroy();
      // The file may still be opening (a body that failed before its first byte): removing it
      // before the stream closed would leave the file it is about to create behind.
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
      await rm(temp, { force: true });
      throw e;
    }
    return { fileId, size, md5: md5.digest(), sha256: sha256?.digest() ?? Buffer.alloc(0) };
  };
  const path = (fileId: string) => {
    if (!ID.test(fileId)) throw new Error('not an object file id');
    return join(dir, fileId);
  };
  return {
    create: () => createObjectFile(dir, tmp, fsyncDir),
    write: (body, limit, opts) => writeFrom([body], limit, opts?.sha256 !== false),
    concat: (fileIds) => writeFrom(fileIds.map((id) => createReadStream(path(id), { highWaterMark: IO_BYTES })), Number.MAX_SAFE_INTEGER),
    read(fileId, start, end) {
      // Opened now, so a concurrent overwrite or delete (which unlinks the file) cannot pull it away mid-response.
      const fd = openSync(path(fileId), 'r');
      return createReadStream('', { fd, start, end, highWaterMark: IO_BYTES });
    },
    async remove(fileIds) {
      for (const id of fileIds) await rm(path(id), { force: true });
    },
    async cleanup(referenced, olderThanMs = Number.POSITIVE_INFINITY) {
      const old = async (path: string) => (await stat(path).catch(() => undefined))?.mtimeMs ?? Infinity;
      let removed = 0;
      for (const name of await readdir(tmp)) {
        if ((await old(join(tmp, name))) >= olderThanMs) continue;
        await rm(join(tmp, name), { force: true });
        removed++;
      }
      for (const name of await readdir(dir)) {
        if (!ID.test(name) || referenced.has(name) || (await old(join(dir, name))) >= olderThanMs) continue;
        await rm(join(dir, name), { force: true });
        removed++;
      }
      return removed;
    },
  };
}
