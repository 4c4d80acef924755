/**
 * The programmatic API for test suites (src/index.ts, `import { startLocksmith } from 'locksmith'`):
 * a free port, a temporary data directory that close() removes, seeds as objects, and a lifecycle
 * clock that moves key dates without touching SigV4's real-time window.
 */
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, ListAliasesCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SeedError, startLocksmith } from '../../src/index.js';

const DAY = 24 * 60 * 60 * 1000;

describe('startLocksmith (public API)', () => {
  it('starts on a free port with a temporary store; SDK calls keep working after the lifecycle clock moves a year', async () => {
    const a = await startLocksmith({ now: Date.UTC(2030, 0, 1) });
    const b = await startLocksmith({ region: 'eu-west-1' });
    try {
      assert.match(a.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.notEqual(a.endpoint, b.endpoint);
      assert.equal(b.region, 'eu-west-1');
      assert.match(a.credentials.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
      const kms = new KMSClient({ endpoint: a.endpoint, region: a.region, credentials: a.credentials, maxAttempts: 1 });
      const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      assert.equal(key.CreationDate!.toISOString(), '2030-01-01T00:00:00.000Z', 'key dates follow the lifecycle clock');
      await a.clock.advance(365 * DAY);
      assert.equal(a.clock.now().toISOString(), '2031-01-01T00:00:00.000Z');
      // Signed with the real time, as every SDK signs: accepted, because SigV4 checks real time.
      assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.KeyState, 'Enabled');
      kms.destroy();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('seeds from an object (at start and later), refuses a bad one with every problem named, and close() removes its directory', async () => {
    const locksmith = await startLocksmith({
      account: '111111111111',
      seed: { accounts: [{ id: '111111111111', keys: [{ id: '11111111-2222-3333-4444-555555555555', aliases: ['alias/first'] }] }] },
    });
    const dataDir = (locksmith as unknown as { dataDir?: string }).dataDir;
    assert.equal(dataDir, undefined, 'the data directory is not part of the API');
    const kms = new KMSClient({ endpoint: locksmith.endpoint, region: locksmith.region, credentials: locksmith.credentials, maxAttempts: 1 });
    try {
      const later = await locksmith.seed({ accounts: [{ id: '111111111111', keys: [{ id: '11111111-2222-3333-4444-555555555555', aliases: ['alias/first', 'alias/second'] }] }] });
      assert.deepEqual(later, { changes: 1, warnings: [] });
      const aliases = (await kms.send(new ListAliasesCommand({}))).Aliases!.map((a) => a.AliasName).filter((n) => !n!.startsWith('alias/aws/'));
      assert.deepEqual(aliases.sort(), ['alias/first', 'alias/second']);
      await assert.rejects(locksmith.seed({ accounts: [{ id: '12', keys: [{ id: 'not-a-uuid' }] }] }), (e: Error) => {
        assert.ok(e instanceof SeedError);
        assert.match(e.message, /accounts\[0\]\.id/);
        assert.match(e.message, /accounts\[0\]\.keys\[0\]\.id/);
        return true;
      });
    } finally {
      kms.destroy();
    }
    const dirs = new Set<string>();
    const probe = await startLocksmith({ log: (l) => dirs.add(/data dir ([^)]+)\)/.exec(l)?.[1] ?? '') });
    const dir = [...dirs].find((d) => d !== '')!;
    assert.ok(existsSync(dir));
    await Promise.all([probe.close(), probe.close()]);
    assert.ok(!existsSync(dir), 'close() removed the temporary data directory');
    await locksmith.close();
  });
});
