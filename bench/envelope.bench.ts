/**
 * `locksmith encrypt` / `locksmith decrypt` throughput on one large file, against raw node:crypto
 * AES-256-GCM over the same bytes in the same run (file → cipher → file, same chunk size).
 * Run: node --import tsx bench/envelope.bench.ts [--size-mib 1024] [--frame-length 1048576]
 * (default 1 GiB; not part of `npm run bench`).
 *
 * The CLI times are wall-clock from spawn to exit (process start, one KMS call and the ECDSA P-384
 * message signature included), as a user experiences them; MB = 10^6 bytes of plaintext.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { awsEnv, runLocksmith } from '../test/reliability/lib/envelope-cli.js';
import { rootCredentials, spawnServer } from '../test/reliability/lib/server-process.js';
import { REGION } from '../test/reliability/lib/sign.js';
import { RESULTS_DIR } from './lib/results-dir.js';

const MiB = 1024 * 1024;
const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
const SIZE = arg('--size-mib', 1024) * MiB;
const FRAME = arg('--frame-length', 1024 * 1024);
const log = (s: string) => process.stderr.write(s + '\n');

async function writeRandomFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  async function* chunks() {
    for (let left = SIZE; left > 0; left -= MiB) {
      const c = randomBytes(Math.min(MiB, left));
      hash.update(c);
      yield c;
    }
  }
  await pipeline(chunks(), createWriteStream(path));
  return hash.digest('hex');
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** Raw AES-256-GCM, one key and IV for the whole file (no framing, no KMS, no signature). */
async function rawGcm(plain: string, dir: string): Promise<{ encryptS: number; decryptS: number }> {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const encryptS = await timed(() => pipeline(createReadStream(plain, { highWaterMark: MiB }), cipher, createWriteStream(join(dir, 'raw.enc'))));
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(cipher.getAuthTag());
  const decryptS = await timed(() => pipeline(createReadStream(join(dir, 'raw.enc'), { highWaterMark: MiB }), decipher, createWriteStream(join(dir, 'raw.out'))));
  return { encryptS, decryptS };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'locksmith-envelope-bench-'));
  const server = await spawnServer(join(dir, 'data'));
  try {
    const creds = rootCredentials(server.dataDir);
    const kms = new KMSClient({ endpoint: server.endpoint, region: REGION, credentials: creds, maxAttempts: 1 });
    const keyArn = (await kms.send(new CreateKeyCommand({ Description: 'envelope bench' }))).KeyMetadata!.Arn!;
    kms.destroy();
    const env = awsEnv({ ...creds, region: REGION, endpoint: server.endpoint });
    const plain = join(dir, 'plain.bin');
    log(`writing ${SIZE / MiB} MiB of random bytes…`);
    const digest = await writeRandomFile(plain);
    log('raw node:crypto AES-256-GCM…');
    const raw = await rawGcm(plain, dir);
    rmSync(join(dir, 'raw.enc'));
    rmSync(join(dir, 'raw.out'));
    log('locksmith encrypt…');
    let enc: Awaited<ReturnType<typeof runLocksmith>> | undefined;
    const encryptS = await timed(async () => {
      enc = await runLocksmith(['encrypt', '--quiet', '--key', keyArn, '--frame-length', String(FRAME), '--in', plain, '--out', join(dir, 'msg')], env);
    });
    if (enc!.code !== 0) throw new Error(`encrypt failed: ${enc!.stderr}`);
    log('locksmith decrypt…');
    let dec: Awaited<ReturnType<typeof runLocksmith>> | undefined;
    const decryptS = await timed(async () => {
      dec = await runLocksmith(['decrypt', '--quiet', '--key', keyArn, '--in', join(dir, 'msg'), '--out', join(dir, 'back')], env);
    });
    if (dec!.code !== 0) throw new Error(`decrypt failed: ${dec!.stderr}`);
    const back = createHash('sha256');
    await pipeline(createReadStream(join(dir, 'back'), { highWaterMark: MiB }), back);
    if (back.digest('hex') !== digest) throw new Error('round trip changed the bytes');

    const mbps = (s: number) => SIZE / 1e6 / s;
    const row = (name: string, cliS: number, rawS: number, rssKiB: number) =>
      `| ${name} | ${mbps(cliS).toFixed(0)} | ${mbps(rawS).toFixed(0)} | **${(mbps(cliS) / mbps(rawS)).toFixed(2)}×** | ${(rssKiB / 1024).toFixed(0)} |`;
    const text = [
      `Envelope CLI, ${SIZE / MiB} MiB file, frame length ${FRAME}, ${cpus().length} × ${cpus()[0]?.model}, node ${process.version}, load average ${loadavg()[0]!.toFixed(2)}`,
      '',
      '| direction | locksmith MB/s | raw AES-256-GCM MB/s | ratio | CLI peak RSS MiB |',
      '|---|--:|--:|--:|--:|',
      row('encrypt', encryptS, raw.encryptS, enc!.peakRssKiB),
      row('decrypt', decryptS, raw.decryptS, dec!.peakRssKiB),
    ].join('\n');
    console.log(text);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `envelope-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify({ sizeBytes: SIZE, frameLength: FRAME, raw, encryptS, decryptS, peakRssKiB: { encrypt: enc!.peakRssKiB, decrypt: dec!.peakRssKiB }, table: text }, null, 2));
    console.log(`\nwritten ${file}`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(`envelope bench failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
