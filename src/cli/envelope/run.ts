/**
 * `locksmith encrypt` / `locksmith decrypt`: one message (file or stdin → file or stdout) or, with
 * --recursive, a directory tree with a summary. Returns the exit code (see errors.ts).
 */
import { buildClient } from '@aws-crypto/client-node';
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import { describeFailure, EXIT, UsageError } from './errors.js';
import { KmsClients } from './kms-clients.js';
import { decryptKeyring, encryptKeyring, materials, RequiredContextMaterials } from './materials.js';
import { frameChunks } from './frame-chunks.js';
import { processMessage } from './one-message.js';
import type { EnvelopeOptions } from './options.js';
import { formatBytes, Progress } from './progress.js';
import { planTree, SUFFIX, type TreeFile } from './tree.js';

type Report = (line: string) => void;

interface Engine {
  /** The Encryption SDK stream for one message, after any re-chunking it needs. */
  streams(size: number | undefined): Duplex[];
  /** The KMS keys the last decrypted message names (for "no key given can decrypt" messages). */
  messageKeys(): string[];
}

async function buildEngine(o: EnvelopeOptions, clients: KmsClients): Promise<Engine> {
  const client = buildClient({ commitmentPolicy: o.commitmentPolicy, maxEncryptedDataKeys: o.maxEncryptedDataKeys });
  if (o.direction === 'encrypt') {
    const cmm = materials(encryptKeyring(clients, o.keys), o.cache);
    return {
      streams: (size) => [frameChunks(o.frameLength), client.encryptStream(cmm, { encryptionContext: o.context, frameLength: o.frameLength, plaintextLength: size })],
      messageKeys: () => [],
    };
  }
  const checking = new RequiredContextMaterials(materials(await decryptKeyring(clients, o), o.cache), o.context);
  return { streams: () => [client.decryptStream(checking)], messageKeys: () => checking.messageKeys };
}

function singleOutput(o: EnvelopeOptions): string {
  if (o.output !== undefined) {
    if (o.output !== '-' && statSync(o.output, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--out ${o.output} is a directory: name the output file, or add --recursive`);
    return o.output;
  }
  if (o.input === '-') return '-';
  if (o.direction === 'encrypt') return o.input + SUFFIX;
  if (o.input.endsWith(SUFFIX)) return o.input.slice(0, -SUFFIX.length);
  throw new UsageError(`--in ${o.input} does not end in ${SUFFIX}: pass --out FILE or --out -`);
}

function regularFileSize(path: string): number | undefined {
  if (path === '-') return undefined;
  const st = statSync(path);
  if (st.isDirectory()) throw new UsageError(`--in ${path} is a directory: add --recursive`);
  return st.isFile() ? st.size : undefined;
}

export async function runEnvelope(o: EnvelopeOptions, report: Report): Promise<number> {
  const clients = new KmsClients(o.connection);
  let engine: Engine | undefined;
  const fail = (e: unknown, prefix = '') => {
    const f = describeFailure(e, clients.log, { decrypting: o.direction === 'decrypt', messageKeys: engine?.messageKeys(), keys: o.keys, accounts: o.accounts });
    report(`locksmith ${o.direction}: ${prefix}${f.message}`);
    return f.exitCode;
  };
  try {
    engine = await buildEngine(o, clients);
    if (o.recursive) return await runTree(o, engine, clients, report, fail);
    const output = singleOutput(o);
    if (output === '-' && o.direction === 'encrypt' && process.stdout.isTTY) throw new UsageError('refusing to write ciphertext to a terminal: pass --out FILE or redirect stdout');
    const size = regularFileSize(o.input);
    const progress = Progress.forTerminal(o.quiet, size);
    try {
      await processMessage({ input: o.input, output, size }, engine.streams(size), progress, { buffer: o.buffer });
    } finally {
      progress.finish();
    }
    return EXIT.ok;
  } catch (e) {
    return fail(e);
  } finally {
    clients.destroy();
  }
}

async function runTree(o: EnvelopeOptions, engine: Engine, clients: KmsClients, report: Report, fail: (e: unknown, prefix?: string) => number): Promise<number> {
  if (!statSync(o.input).isDirectory()) throw new UsageError(`--recursive: --in ${o.input} is not a directory`);
  const outDir = o.output ?? o.input;
  const plan = planTree(o.direction, o.input, outDir);
  const total = plan.files.reduce((n, f) => n + f.size, 0);
  const progress = Progress.forTerminal(o.quiet, total);
  const started = Date.now();
  let done = 0;
  let bytes = 0;
  let exitCode: number = EXIT.ok;
  const failed: TreeFile[] = [];
  try {
    for (const [i, file] of plan.files.entries()) {
      progress.setLabel(`${i + 1}/${plan.files.length} ${file.input}`);
      clients.log.failures.length = 0;
      try {
        mkdirSync(dirname(file.output), { recursive: true });
        await processMessage(file, engine.streams(file.size), progress, { buffer: false });
        done++;
        bytes += file.size;
      } catch (e) {
        progress.finish();
        const code = fail(e, `${file.input}: `);
        if (exitCode === EXIT.ok) exitCode = code;
        failed.push(file);
        // Encrypting, every file uses the same keys: a KMS refusal (denied, disabled, unreachable) would repeat.
        if (code === EXIT.kms && o.direction === 'encrypt') break;
      }
    }
  } finally {
    progress.finish();
  }
  if (!o.quiet || failed.length > 0) {
    const secs = (Date.now() - started) / 1000;
    const verb = o.direction === 'encrypt' ? 'encrypted' : 'decrypted';
    const cache = o.cache ? `data key cache: max age ${o.cache.maxAgeMs / 1000} s, max ${o.cache.maxMessages} messages` : 'data key cache: off';
    const left = plan.files.length - done - failed.length;
    report(
      `locksmith ${o.direction}: ${done} files ${verb} (${formatBytes(bytes)}) in ${secs.toFixed(1)} s, ${failed.length} failed, ${plan.skipped} skipped` +
        `${left > 0 ? `, ${left} not attempted (stopped at the KMS failure)` : ''}; ` +
        `KMS calls: ${clients.log.describe()}; ${cache}`,
    );
  }
  return exitCode;
}
