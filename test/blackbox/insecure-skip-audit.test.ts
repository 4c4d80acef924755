/**
 * `--insecure-skip-audit` exists only so bench/ can measure what audit-first costs. It must do
 * exactly that — calls answered, nothing recorded — say so loudly, and be off by default.
 */
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnServer, rootCredentials } from '../reliability/lib/server-process.js';
import { kmsClient } from './harness.js';
import { storedRows } from './audit-helpers.js';

async function encryptOnce(serveArgs: string[]): Promise<{ output: string; kmsRecords: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-skip-audit-'));
  const server = await spawnServer(dataDir, { serveArgs });
  try {
    const kms = kmsClient(server.endpoint, rootCredentials(dataDir));
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const out = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('x') }));
    assert.ok(out.CiphertextBlob && out.CiphertextBlob.length > 0);
    await server.stop('SIGTERM');
    return { output: server.output(), kmsRecords: storedRows(dataDir).filter((r) => r.record.eventSource === 'kms.amazonaws.com').length };
  } finally {
    await server.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('--insecure-skip-audit', () => {
  it('by default every call is recorded', async () => {
    const { output, kmsRecords } = await encryptOnce([]);
    assert.equal(kmsRecords, 2, 'CreateKey and Encrypt');
    assert.doesNotMatch(output, /insecure-skip-audit/);
  });

  it('with the flag, calls are answered, nothing is recorded, and the server warns', async () => {
    const { output, kmsRecords } = await encryptOnce(['--insecure-skip-audit']);
    assert.equal(kmsRecords, 0);
    assert.match(output, /WARNING: --insecure-skip-audit: API calls are NOT recorded in the audit trail/);
  });
});
