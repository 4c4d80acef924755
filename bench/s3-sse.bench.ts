/**
 * S3 server-side encryption through Locksmith's KMS (issue #14, item 9), against a fresh
 * `locksmith serve` process (built, free port, temporary data dir), driven by @aws-sdk/client-s3:
 *
 * 1. SSE-KMS PUT + GET of 64 MiB, MB/s ÷ the same server with SSE-S3 (goal ≥ 0.8);
 * 2. 4 KiB SSE-KMS PUTs with and without Bucket Keys: req/s, and KMS GenerateDataKey calls per
 *    10,000 PUTs counted in the audit trail (goal: with ≤ 0.01 × without).
 *
 * `node --import tsx bench/s3-sse.bench.ts [--quick]`; `bench/run.ts` runs it as its own process
 * and prints its table. Prints a markdown table, then one line `JSON: {...}`.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCredentials, spawnServer, type ServerProcess } from '../test/reliability/lib/server-process.js';

const quick = process.argv.includes('--quick');
const REGION = 'us-east-1';
const cfg = quick ? { bigMiB: 64, bigRounds: 2, smallPuts: 1000, concurrency: 8 } : { bigMiB: 64, bigRounds: 3, smallPuts: 10_000, concurrency: 16 };
const log = (s: string) => process.stderr.write(s + '\n');

/** GenerateDataKey records in the audit trail so far (as stored, every account and region). */
function generateDataKeyCalls(dataDir: string): number {
  const db = new Database(join(dataDir, 'locksmith.db'), { readonly: true });
  try {
    return db.prepare(`SELECT COUNT(*) FROM audit_events WHERE event_source = 'kms.amazonaws.com' AND event_name = 'GenerateDataKey'`).pluck().get() as number;
  } finally {
    db.close();
  }
}

type Sse = { ServerSideEncryption: 'AES256' } | { ServerSideEncryption: 'aws:kms'; SSEKMSKeyId: string; BucketKeyEnabled: boolean };

async function bigRoundTrip(s3: S3Client, bucket: string, body: Buffer, sse: Sse, label: string): Promise<number> {
  const key = `big-${label}-${Date.now()}`;
  const t0 = process.hrtime.bigint();
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length, ...sse }));
  const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await got.Body!.transformToByteArray();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (bytes.length !== body.length || !Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).equals(body)) throw new Error(`${label}: GET returned other bytes`);
  return (2 * body.length) / (1024 * 1024) / seconds;
}

async function smallPuts(s3: S3Client, bucket: string, n: number, sse: Sse, server: ServerProcess): Promise<{ rps: number; gdk: number; per10k: number }> {
  const body = randomBytes(4096);
  const before = generateDataKeyCalls(server.dataDir);
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: cfg.concurrency }, async () => {
    while (next < n) {
      const i = next++;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `small/${i}`, Body: body, ContentLength: body.length, ...sse }));
    }
  }));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const gdk = generateDataKeyCalls(server.dataDir) - before;
  return { rps: n / seconds, gdk, per10k: (gdk * 10_000) / n };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-bench-s3-'));
  const server = await spawnServer(dataDir, { built: true });
  try {
    const credentials = rootCredentials(dataDir);
    const s3 = new S3Client({ endpoint: server.endpoint, region: REGION, credentials, forcePathStyle: true, maxAttempts: 1 });
    const kms = new KMSClient({ endpoint: server.endpoint, region: REGION, credentials, maxAttempts: 1 });
    const keyId = (await kms.send(new CreateKeyCommand({ Description: 'bench s3-sse' }))).KeyMetadata!.Arn!;
    const bucket = `bench-sse-${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));

    log(`s3-sse: ${cfg.bigMiB} MiB PUT+GET, ${cfg.bigRounds} alternating round(s) of SSE-S3 and SSE-KMS…`);
    const body = randomBytes(cfg.bigMiB * 1024 * 1024);
    const s3Mode: Sse = { ServerSideEncryption: 'AES256' };
    const kmsMode: Sse = { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId, BucketKeyEnabled: false };
    // Warm-up (JIT, file cache, first KMS use), not measured.
    const warm = body.subarray(0, 8 * 1024 * 1024);
    await bigRoundTrip(s3, bucket, warm, s3Mode, 'warm-s3');
    await bigRoundTrip(s3, bucket, warm, kmsMode, 'warm-kms');
    const sseS3: number[] = [];
    const sseKms: number[] = [];
    for (let r = 0; r < cfg.bigRounds; r++) {
      // Alternating which goes first, so drift on a shared machine hits both alike.
      const order = r % 2 === 0 ? (['s3', 'kms'] as const) : (['kms', 's3'] as const);
      for (const m of order) {
        if (m === 's3') sseS3.push(await bigRoundTrip(s3, bucket, body, s3Mode, 'sse-s3'));
        else sseKms.push(await bigRoundTrip(s3, bucket, body, kmsMode, 'sse-kms'));
      }
    }
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const bigRatio = mean(sseKms) / mean(sseS3);

    log(`s3-sse: ${cfg.smallPuts} × 4 KiB SSE-KMS PUTs without, then with Bucket Keys (${cfg.concurrency} in flight)…`);
    const without = await smallPuts(s3, bucket, cfg.smallPuts, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId, BucketKeyEnabled: false }, server);
    const withKeys = await smallPuts(s3, bucket, cfg.smallPuts, { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: keyId, BucketKeyEnabled: true }, server);
    const callRatio = without.gdk === 0 ? NaN : withKeys.gdk / without.gdk;

    const f = (v: number) => v.toFixed(1);
    console.log(`S3 SSE (bench/s3-sse.bench.ts, ${quick ? 'quick' : 'full'} run, load average ${loadavg()[0]!.toFixed(2)}):\n`);
    console.log('| measurement | SSE-S3 | SSE-KMS | ratio | goal |\n|---|--:|--:|--:|--:|');
    console.log(`| ${cfg.bigMiB} MiB PUT+GET, MB/s (mean of ${cfg.bigRounds}) | ${f(mean(sseS3))} | ${f(mean(sseKms))} | **${bigRatio.toFixed(2)}** | ≥ 0.8 |`);
    console.log('\n| 4 KiB SSE-KMS PUTs | req/s | GenerateDataKey calls | per 10,000 PUTs |\n|---|--:|--:|--:|');
    console.log(`| without Bucket Keys (${cfg.smallPuts}) | ${without.rps.toFixed(0)} | ${without.gdk} | ${without.per10k.toFixed(0)} |`);
    console.log(`| with Bucket Keys (${cfg.smallPuts}) | ${withKeys.rps.toFixed(0)} | ${withKeys.gdk} | ${withKeys.per10k.toFixed(1)} |`);
    console.log(`\nKMS calls with Bucket Keys ÷ without: **${callRatio.toFixed(4)}** (goal ≤ 0.01).`);
    console.log(`JSON: ${JSON.stringify({ mode: quick ? 'quick' : 'full', config: cfg, bigMBps: { sseS3, sseKms, ratio: bigRatio }, smallPuts: { without, withBucketKeys: withKeys, callRatio } })}`);
  } finally {
    await server.stop('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  console.error(`s3-sse bench failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
