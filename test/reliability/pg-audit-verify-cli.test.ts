/**
 * `locksmith audit verify --database-url` over the chains two running nodes wrote: every node's
 * chain is listed and intact; after a record in one node's chain is edited in the database, the
 * command exits 1 naming that node's chain and the record.
 */
import { CreateKeyCommand, EncryptCommand } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { locksmith } from '../blackbox/audit-helpers.js';
import { startPgNodes, type PgNodes } from './lib/pg-nodes.js';

describe('audit verify over several nodes on PostgreSQL', () => {
  let c: PgNodes;
  before(async () => {
    c = await startPgNodes(2);
  });
  after(async () => {
    await c?.close();
  });

  it('verifies every node chain, then names an edited record in one of them', async () => {
    for (const i of [0, 1]) {
      const kms = c.kms(i);
      const key = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
      for (let n = 0; n < 5; n++) await kms.send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('x') }));
    }
    const ok = await locksmith('audit', 'verify', '--database-url', c.url);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /000000000000 us-east-1 \(node node-0\): \d+ records, \d+ digests: OK/);
    assert.match(ok.stdout, /000000000000 us-east-1 \(node node-1\): \d+ records, \d+ digests: OK/);
    assert.match(ok.stdout, /audit trail intact/);

    const db = new pg.Client({ connectionString: c.url });
    await db.connect();
    try {
      await db.query(`UPDATE audit_events SET record = replace(record, '"userAgent":"', '"userAgent":"x') WHERE writer = 'node-1' AND chain_seq = 4`);
    } finally {
      await db.end();
    }
    const bad = await locksmith('audit', 'verify', '--database-url', c.url);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /\(node node-0\): \d+ records, \d+ digests: OK/);
    assert.match(bad.stdout, /\(node node-1\): \d+ records read up to the first break, \d+ digests: BROKEN\n {2}changed: record #4 /);
  });
});
