import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rootCredentials, spawnServer } from '../reliability/lib/server-process.js';
import { locksmith } from './audit-helpers.js';

describe('audit trail: crash safety (a real `locksmith serve`, SIGKILLed under load)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-audit-crash-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('every request answered 200 before the crash has its committed event after restart; the chain verifies', async () => {
    const first = await spawnServer(dataDir);
    const kms = new KMSClient({ endpoint: first.endpoint, region: 'us-east-1', credentials: rootCredentials(dataDir), maxAttempts: 1 });
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const acknowledged: string[] = [];
    let failures = 0;
    let killed: Promise<void> | undefined;
    const worker = async () => {
      for (;;) {
        try {
          const out = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('under load') }));
          acknowledged.push(out.$metadata.requestId!);
          if (acknowledged.length === 150) killed = first.stop('SIGKILL'); // mid-load: other requests are in flight
        } catch {
          failures++;
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await killed;
    kms.destroy();
    assert.ok(acknowledged.length >= 150, `${acknowledged.length} acknowledged`);
    assert.ok(failures > 0, 'some requests were cut off by the crash');

    const second = await spawnServer(dataDir);
    const db = new Database(join(dataDir, 'locksmith.db'), { readonly: true });
    const recorded = new Set((db.prepare('SELECT record FROM audit_events').all() as { record: string }[]).map((r) => JSON.parse(r.record).requestID as string));
    db.close();
    const missing = acknowledged.filter((id) => !recorded.has(id));
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged requests have no event`);
    await second.stop('SIGTERM');
    const verified = await locksmith('audit', 'verify', '--data-dir', dataDir);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });
});
