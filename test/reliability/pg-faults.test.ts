/**
 * Faults of a two-node PostgreSQL deployment, driven with the real AWS SDK:
 * - kill -9 of a node under mixed load: the other keeps serving; every acknowledged CreateKey is
 *   there and every acknowledged ciphertext decrypts, through the survivor;
 * - PostgreSQL stopped (pg_ctl -m fast) under load: calls fail with the retryable
 *   KMSInternalException (500) and never hang, succeed again within seconds of the restart, and
 *   neither node exits;
 * - every pool connection blocked (a table lock held elsewhere): every call is answered with the
 *   retryable KMSInternalException — by the statement timeout or the pool's acquisition timeout,
 *   both well under the server's socket timeout — instead of hanging or losing its socket.
 * Short by default; LOCKSMITH_RELIABILITY=full runs longer loads.
 */
import { CreateKeyCommand, DecryptCommand, EncryptCommand, GenerateDataKeyCommand, ListKeysCommand, type KMSClient } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import pg from 'pg';
import { startPgNodes, type PgNodes } from './lib/pg-nodes.js';

const FULL = process.env.LOCKSMITH_RELIABILITY === 'full';
const LOAD_MS = FULL ? 10_000 : 2_000;
const WORKERS = 4;

interface Acked {
  keys: string[];
  ciphertexts: { blob: Uint8Array; plaintext: string }[];
}

/** Mixed calls in a loop (create, encrypt, data key, list) until `stop`; records what was acknowledged. */
async function mixedLoad(client: KMSClient, key: string, acked: Acked, stop: () => boolean, errors: string[]): Promise<void> {
  for (let i = 0; !stop(); i++) {
    try {
      switch (i % 4) {
        case 0:
          acked.keys.push((await client.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!);
          break;
        case 1: {
          const plaintext = `p${i}-${Math.random()}`;
          const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from(plaintext) }));
          acked.ciphertexts.push({ blob: CiphertextBlob!, plaintext });
          break;
        }
        case 2: {
          const dk = await client.send(new GenerateDataKeyCommand({ KeyId: key, KeySpec: 'AES_256' }));
          acked.ciphertexts.push({ blob: dk.CiphertextBlob!, plaintext: Buffer.from(dk.Plaintext!).toString('base64') });
          break;
        }
        default:
          await client.send(new ListKeysCommand({ Limit: 10 }));
      }
    } catch (e) {
      errors.push((e as Error).name === 'KMSInternalException' ? 'KMSInternalException' : `${(e as Error).name}: ${(e as Error).message}`);
      if (errors.length > 10_000) return;
    }
  }
}

describe('two nodes on PostgreSQL: faults', () => {
  let c: PgNodes;
  before(async () => {
    c = await startPgNodes(2);
  });
  after(async () => {
    await c?.close();
  });

  it('kill -9 of a node under mixed load: the survivor serves, nothing acknowledged is lost', async () => {
    const [a, b] = [c.kms(0), c.kms(1)];
    const key = (await a.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const acked: Acked = { keys: [], ciphertexts: [] };
    const errorsA: string[] = [];
    const errorsB: string[] = [];
    let stopA = false;
    let stopB = false;
    const loads = [
      ...Array.from({ length: WORKERS }, () => mixedLoad(a, key, acked, () => stopA, errorsA)),
      ...Array.from({ length: WORKERS }, () => mixedLoad(b, key, acked, () => stopB, errorsB)),
    ];
    await new Promise((r) => setTimeout(r, LOAD_MS / 2));
    await c.nodes[0]!.stop('SIGKILL');
    const bBefore = acked.keys.length + acked.ciphertexts.length;
    await new Promise((r) => setTimeout(r, LOAD_MS / 2));
    stopA = stopB = true;
    await Promise.all(loads);
    assert.ok(acked.keys.length + acked.ciphertexts.length > bBefore, 'node b kept acknowledging calls after a was killed');
    assert.deepEqual(errorsB, [], 'the survivor answered every call');
    assert.ok(c.nodes[1]!.alive());
    for (const k of acked.keys) assert.ok((await b.send(new EncryptCommand({ KeyId: k, Plaintext: Buffer.from('x') }))).CiphertextBlob, `key ${k}`);
    for (const ct of acked.ciphertexts) {
      const { Plaintext } = await b.send(new DecryptCommand({ CiphertextBlob: ct.blob }));
      const text = Buffer.from(Plaintext!).toString();
      assert.ok(text === ct.plaintext || Buffer.from(Plaintext!).toString('base64') === ct.plaintext);
    }
    console.log(`kill -9 under load: ${acked.keys.length} keys and ${acked.ciphertexts.length} ciphertexts acknowledged, all there through the survivor; node a's calls ended with: ${[...new Set(errorsA)].join(', ') || 'none'}`);
    await c.start(0); // back for the next tests
  });

  it('PostgreSQL restarted under load: retryable 500s while down, success within seconds after, no node exits', async () => {
    const clients = [c.kms(0), c.kms(1)];
    const key = (await clients[0]!.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    // Mixed load on both nodes throughout: every call either succeeds or fails with the retryable internal error.
    const loadErrors: string[] = [];
    let stopLoad = false;
    const acked: Acked = { keys: [], ciphertexts: [] };
    const loads = clients.flatMap((client) => [0, 1].map(() => mixedLoad(client, key, acked, () => stopLoad, loadErrors)));
    await new Promise((r) => setTimeout(r, 300));
    c.cluster.stop('fast');
    let restarted: number | undefined;
    try {
      const s3 = new S3Client({ endpoint: c.nodes[1]!.endpoint, region: 'us-east-1', credentials: c.credentials, forcePathStyle: true, maxAttempts: 1 });
      const s3Error = await s3.send(new ListBucketsCommand({})).then(() => undefined, (err: Error & { $metadata?: { httpStatusCode?: number } }) => err);
      assert.equal(s3Error?.name, 'InternalError', `S3 answered ${s3Error?.name ?? 'success'} while PostgreSQL is down`);
      assert.equal(s3Error!.$metadata?.httpStatusCode, 500);
      for (const client of clients) {
        for (let i = 0; i < 5; i++) {
          const t0 = performance.now();
          const e = await client.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') })).then(() => undefined, (err: Error & { $metadata?: { httpStatusCode?: number }; $fault?: string }) => err);
          assert.ok(performance.now() - t0 < 15_000, 'answered, not hung');
          assert.equal(e?.name, 'KMSInternalException', `got ${e?.name ?? 'success'} (${e?.message}) while PostgreSQL is down; node outputs: ${c.nodes.map((n) => `${n.alive()} ${n.output().slice(-3000)}`).join('\n----\n')}`);
          assert.equal(e!.$metadata?.httpStatusCode, 500);
          assert.equal(e!.$fault, 'server');
        }
      }
    } finally {
      c.cluster.start();
      restarted = performance.now();
    }
    for (const [i, client] of clients.entries()) {
      for (;;) {
        const ok = await client.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') })).then(() => true, () => false);
        if (ok) break;
        assert.ok(performance.now() - restarted < 10_000, `node ${i} serves again within seconds of the restart`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    console.log(`PostgreSQL restart: both nodes served again ${(performance.now() - restarted).toFixed(0)} ms after it was back`);
    stopLoad = true;
    await Promise.all(loads);
    assert.deepEqual([...new Set(loadErrors)].filter((n) => n !== 'KMSInternalException'), [], 'calls under load failed only with the retryable internal error');
    assert.ok(loadErrors.length > 0, 'the load saw the outage');
    assert.ok(c.nodes[0]!.alive() && c.nodes[1]!.alive(), 'no node exited');
  });

  it('every pool connection blocked: every call is answered, ok or KMSInternalException, long before the socket timeout', async () => {
    const client = c.kms(1);
    const key = (await client.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    const locker = new pg.Client({ connectionString: c.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE kms_keys IN ACCESS EXCLUSIVE MODE');
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: 30 }, () =>
        client.send(new CreateKeyCommand({})).then(() => 'ok', (e: Error) => e.name)));
      const elapsed = performance.now() - t0;
      await locker.query('ROLLBACK');
      assert.ok(results.includes('KMSInternalException'), `results: ${results.join(',')}`);
      // Every call gets an AWS-shaped answer — the calls holding the blocked connections too, by the
      // statement timeout — well before the server's 30 s socket timeout could reset a socket.
      assert.deepEqual([...new Set(results)].filter((r) => r !== 'ok' && r !== 'KMSInternalException'), [], `results: ${results.join(',')}`);
      assert.ok(elapsed < 20_000, `all answered in ${elapsed.toFixed(0)} ms`);
    } finally {
      await locker.end();
    }
    assert.ok((await client.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }))).CiphertextBlob);
  });
});
