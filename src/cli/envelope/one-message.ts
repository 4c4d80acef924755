/**
 * Encrypts or decrypts one input into one output, streaming through the Encryption SDK's
 * encryptStream/decryptStream with backpressure (memory stays constant whatever the size).
 * A file output is written to a temporary file beside it (mode 0600) and renamed over the target
 * only when the whole message has been processed and verified; on failure it is removed, so no
 * partial plaintext (or ciphertext) is ever left behind. For `--out -` see `toStdout`.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Duplex, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Progress } from './progress.js';

const READ_CHUNK = 1024 * 1024;

/** Temporary files being written, removed if the process is interrupted. */
export const pendingTempFiles = new Set<string>();

export function removePendingTempFilesSync(unlinkSync: (p: string) => void): void {
  for (const p of pendingTempFiles) {
    try {
      unlinkSync(p);
    } catch {
      // already gone
    }
  }
  pendingTempFiles.clear();
}

export interface OneMessage {
  /** '-' for stdin */
  input: string;
  /** '-' for stdout */
  output: string;
  /** Input size in bytes when known (regular files): the SDK's plaintextLength, needed by the caching CMM. */
  size?: number;
}

export interface StdoutMode {
  /**
   * Decrypt only: spool the plaintext to a private temporary file and copy it to stdout after the
   * whole message (its end-of-message signature included) has verified.
   */
  buffer: boolean;
}

function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.locksmith-tmp-${randomBytes(6).toString('hex')}`);
}

function openInput(input: string): Readable {
  return input === '-' ? process.stdin : createReadStream(input, { highWaterMark: READ_CHUNK });
}

/** An existing output that is not a regular file (/dev/null, a FIFO) is written in place. */
function isSpecialFile(path: string): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  return st !== undefined && !st.isFile() && !st.isDirectory();
}

async function toFile(source: Readable, progress: Progress, crypto: Duplex[], path: string): Promise<void> {
  if (isSpecialFile(path)) {
    await pipeline([source, progress.counter(), ...crypto, createWriteStream(path, { flags: 'a' })]);
    return;
  }
  const tmp = tempBeside(path);
  pendingTempFiles.add(tmp);
  try {
    await pipeline([source, progress.counter(), ...crypto, createWriteStream(tmp, { flags: 'wx', mode: 0o600, flush: true })]);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  } finally {
    pendingTempFiles.delete(tmp);
  }
}

/**
 * Stdout cannot be taken back. Without `buffer`, each frame's plaintext is written once the SDK has
 * authenticated that frame (AES-GCM tag); a failure later in the message (a later frame, or the
 * ECDSA signature over the whole message, checked at its end) ends the command with a non-zero exit
 * status after earlier frames were written: a consumer must treat the output as invalid unless the
 * exit status is 0. With `buffer`, nothing is written to stdout unless the whole message verified.
 */
async function toStdout(source: Readable, progress: Progress, crypto: Duplex[], mode: StdoutMode): Promise<void> {
  if (!mode.buffer) {
    await pipeline([source, progress.counter(), ...crypto, process.stdout], { end: false });
    return;
  }
  const tmp = join(tmpdir(), `locksmith-decrypt-${randomBytes(8).toString('hex')}`);
  pendingTempFiles.add(tmp);
  try {
    await pipeline([source, progress.counter(), ...crypto, createWriteStream(tmp, { flags: 'wx', mode: 0o600 })]);
    await pipeline(createReadStream(tmp, { highWaterMark: READ_CHUNK }), process.stdout, { end: false });
  } finally {
    await unlink(tmp).catch(() => {});
    pendingTempFiles.delete(tmp);
  }
}

/** `crypto`: the Encryption SDK's stream, after any re-chunking transforms. */
export async function processMessage(job: OneMessage, crypto: (Duplex | Transform)[], progress: Progress, stdout: StdoutMode): Promise<void> {
  const source = openInput(job.input);
  if (job.output === '-') await toStdout(source, progress, crypto, stdout);
  else await toFile(source, progress, crypto, job.output);
}
