/**
 * A large file through `locksmith encrypt` and `locksmith decrypt` (as processes, against a
 * `locksmith serve` process): the round trip is exact and each CLI's peak RSS stays under a bound
 * that does not depend on the file size (streaming in constant memory).
 *
 * Size: LOCKSMITH_RELIABILITY=full → 1 GiB; default → 64 MiB. The bound is the same for both.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { awsEnv, runLocksmith } from './lib/envelope-cli.js';
import { rootCredentials, spawnServer, type ServerProcess } from './lib/server-process.js';
import { REGION } from './lib/sign.js';
import { bySize } from './lib/size.js';

const MiB = 1024 * 1024;
const SIZE = bySize(64 * MiB, 1024 * MiB);
/** Peak RSS allowed to each CLI process, whatever the file size (Node + tsx + the SDKs take ~150 MiB). */
const RSS_BOUND_MIB = 256;

async function writeRandomFile(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  async function* chunks() {
    for (let left = bytes; left > 0; left -= MiB) {
      const c = randomBytes(Math.min(MiB, left));
      hash.update(c);
      yield c;
    }
  }
  await pipeline(chunks(), createWriteStream(path));
  return hash.digest('hex');
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: MiB }), hash);
  return hash.digest('hex');
}

describe(`envelope CLI: ${SIZE / MiB} MiB round trip in bounded memory`, () => {
  let server: ServerProcess;
  let dir: string;
  let keyArn: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-envelope-large-'));
    server = await spawnServer(join(dir, 'data'));
    const kms = new KMSClient({ endpoint: server.endpoint, region: REGION, credentials: rootCredentials(server.dataDir), maxAttempts: 1 });
    keyArn = (await kms.send(new CreateKeyCommand({ Description: 'large file' }))).KeyMetadata!.Arn!;
    kms.destroy();
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('encrypts and decrypts exactly, each CLI under the RSS bound', async () => {
    const env = awsEnv({ ...rootCredentials(server.dataDir), region: REGION, endpoint: server.endpoint });
    const plain = join(dir, 'plain.bin');
    const digest = await writeRandomFile(plain, SIZE);
    const enc = await runLocksmith(['encrypt', '--key', keyArn, '--context', 'size=large', '--in', plain, '--out', join(dir, 'plain.bin.encrypted')], env);
    assert.equal(enc.code, 0, enc.stderr);
    assert.ok(statSync(join(dir, 'plain.bin.encrypted')).size > SIZE);
    const dec = await runLocksmith(['decrypt', '--key', keyArn, '--context', 'size=large', '--in', join(dir, 'plain.bin.encrypted'), '--out', join(dir, 'back.bin')], env);
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(await sha256File(join(dir, 'back.bin')), digest);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('locksmith-tmp')), []);
    console.log(`${SIZE / MiB} MiB: peak RSS encrypt ${(enc.peakRssKiB / 1024).toFixed(0)} MiB, decrypt ${(dec.peakRssKiB / 1024).toFixed(0)} MiB (bound ${RSS_BOUND_MIB} MiB)`);
    assert.ok(enc.peakRssKiB > 0 && dec.peakRssKiB > 0, 'RSS was sampled');
    assert.ok(enc.peakRssKiB < RSS_BOUND_MIB * 1024, `encrypt peak RSS ${enc.peakRssKiB} KiB`);
    assert.ok(dec.peakRssKiB < RSS_BOUND_MIB * 1024, `decrypt peak RSS ${dec.peakRssKiB} KiB`);
  });
});
