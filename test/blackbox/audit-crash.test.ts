import { CreateKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, locksmith } from './audit-helpers.js';

/** Starts `locksmith serve` as its own process and waits for its listening line. */
function serve(dataDir: string): Promise<{ proc: ChildProcess; endpoint: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, LOCKSMITH_ROOT_KEY_FILE: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ proc, endpoint: m[1] });
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

function kill(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    proc.removeAllListeners('exit');
    proc.once('exit', () => resolve());
    proc.kill(signal);
  });
}

function credentialsFrom(dataDir: string) {
  const text = readFileSync(join(dataDir, 'aws-credentials'), 'utf8');
  return { accessKeyId: /aws_access_key_id = (\S+)/.exec(text)![1], secretAccessKey: /aws_secret_access_key = (\S+)/.exec(text)![1] };
}

describe('audit trail: crash safety (a real `locksmith serve`, SIGKILLed under load)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-audit-crash-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('every request answered 200 before the crash has its committed event after restart; the chain verifies', async () => {
    const first = await serve(dataDir);
    const kms = new KMSClient({ endpoint: first.endpoint, region: 'us-east-1', credentials: credentialsFrom(dataDir), maxAttempts: 1 });
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const acknowledged: string[] = [];
    let failures = 0;
    let killed: Promise<void> | undefined;
    const worker = async () => {
      for (;;) {
        try {
          const out = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('under load') }));
          acknowledged.push(out.$metadata.requestId!);
          if (acknowledged.length === 150) killed = kill(first.proc, 'SIGKILL'); // mid-load: other requests are in flight
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

    const second = await serve(dataDir);
    const db = new Database(join(dataDir, 'locksmith.db'), { readonly: true });
    const recorded = new Set((db.prepare('SELECT record FROM audit_events').all() as { record: string }[]).map((r) => JSON.parse(r.record).requestID as string));
    db.close();
    const missing = acknowledged.filter((id) => !recorded.has(id));
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged requests have no event`);
    await kill(second.proc, 'SIGTERM');
    const verified = await locksmith('audit', 'verify', '--data-dir', dataDir);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });
});
