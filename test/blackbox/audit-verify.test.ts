import { CreateKeyCommand, EncryptCommand, ListKeysCommand } from '@aws-sdk/client-kms';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT, Harness } from './harness.js';
import { locksmith } from './audit-helpers.js';
import { copyTestDatabase, knownTestDatabaseUrl, queryTestDatabase, testStore, withDatabase } from '../lib/test-store.js';

const link = (prev: string, record: string) => createHash('sha256').update(prev).update(record).digest('hex');
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface Row { seq: number; chain_seq: number; event_id: string; record: string; prev_hash: string; hash: string }

/** A data directory and, on PostgreSQL, the URL of its database. */
interface Trail { dir: string; databaseUrl?: string }

/**
 * Statements on a tampered copy, in whichever store the servers use: SQL with `?` placeholders,
 * the same text for both unless a test branches on `postgres`.
 */
interface Tamper { postgres: boolean; run(sql: string, ...params: unknown[]): Promise<void> }

/**
 * `locksmith audit verify | export | public-key` against a real data directory, tampered with
 * through its store: the SQLite file, or (LOCKSMITH_TEST_STORE=postgres) a copy of its database.
 */
describe('audit trail: tamper evidence, digests and export', () => {
  const postgres = testStore() === 'postgres';
  const root = mkdtempSync(join(tmpdir(), 'locksmith-audit-verify-'));
  const pristine = join(root, 'pristine');
  let original: Trail = { dir: pristine };
  /** The node whose chain the records form on PostgreSQL (each node writes chains of its own); '' on SQLite. */
  let writer = '';
  let copies = 0;
  before(async () => {
    const h = await Harness.start({ dataDir: pristine });
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    for (let i = 0; i < 8; i++) await h.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from(`n${i}`) }));
    assert.equal(await h.server.signAuditDigests(), 1);
    for (let i = 0; i < 3; i++) await h.kms.send(new ListKeysCommand({}));
    await h.stop(); // a clean stop signs a second digest over the tail
    if (postgres) {
      const databaseUrl = knownTestDatabaseUrl(pristine);
      assert.ok(databaseUrl, 'the server ran on a PostgreSQL test database');
      original = { dir: pristine, databaseUrl };
      const chains = queryTestDatabase<{ account: string; region: string; writer: string }>(pristine, 'SELECT DISTINCT account, region, writer FROM audit_events')!;
      assert.equal(chains.length, 1, JSON.stringify(chains));
      assert.deepEqual([chains[0].account, chains[0].region], [ACCOUNT, 'us-east-1']);
      writer = chains[0].writer;
      assert.notEqual(writer, '', 'a PostgreSQL node names its chains with its node id');
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** The name verify gives the chain: `<account> <region>`, with ` (node <id>)` on PostgreSQL. */
  const chainName = () => `${ACCOUNT} us-east-1${writer ? ` \\(node ${escapeRegExp(writer)}\\)` : ''}`;

  /**
   * A copy of the pristine data dir, changed by `tamper`: through its own SQLite connection, or on
   * PostgreSQL through a connection to a copy of the pristine database (the copy's URL is returned).
   */
  async function tampered(tamper: (db: Tamper, rows: Row[]) => Promise<void>): Promise<Trail> {
    const dir = join(root, `copy-${++copies}`);
    cpSync(pristine, dir, { recursive: true });
    const select = 'SELECT seq, chain_seq, event_id, record, prev_hash, hash FROM audit_events ORDER BY chain_seq';
    if (!postgres) {
      const db = new Database(join(dir, 'locksmith.db'));
      try {
        await tamper({ postgres, run: async (sql, ...params) => void db.prepare(sql).run(...params) }, db.prepare(select).all() as Row[]);
      } finally {
        db.close();
      }
      return { dir };
    }
    const databaseUrl = await copyTestDatabase(pristine);
    await withDatabase(databaseUrl, async (client) => {
      // node-postgres numbers its placeholders ($1, $2, …; no statement here has a `?` in a literal) and returns BIGINT columns as strings.
      const numbered = (sql: string) => {
        let n = 0;
        return sql.replace(/\?/g, () => `$${++n}`);
      };
      const rows = (await client.query<Row>(select)).rows.map((r) => ({ ...r, seq: Number(r.seq), chain_seq: Number(r.chain_seq) }));
      await tamper({ postgres, run: async (sql, ...params) => void (await client.query(numbered(sql), params)) }, rows);
    });
    return { dir, databaseUrl };
  }
  const verify = (t: Trail, ...args: string[]) =>
    locksmith('audit', 'verify', '--data-dir', t.dir, ...(t.databaseUrl ? ['--database-url', t.databaseUrl] : []), ...args);

  it('an untouched store verifies: every link and both digest signatures', async () => {
    const out = await verify(original);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, new RegExp(`^${chainName()}: 12 records, 2 digests: OK$`, 'm'));
    assert.match(out.stdout, /audit trail intact/);
  });

  it('names a record whose content was edited', async () => {
    let victim = '';
    const copy = await tampered(async (db, rows) => {
      victim = rows[4].event_id;
      await db.run('UPDATE audit_events SET record = replace(record, ?, ?) WHERE seq = ?', '127.0.0.1', '10.9.9.9', rows[4].seq);
    });
    const out = await verify(copy);
    assert.equal(out.code, 1);
    assert.match(out.stdout, new RegExp(`^${chainName()}: \\d+ records read up to the first break, 2 digests: BROKEN$`, 'm'));
    assert.match(out.stdout, new RegExp(`changed: record #5 \\(eventID ${victim}, Encrypt at .*\\) was changed: its content does not match its hash`));
  });

  it('names a record that was removed, from the middle or the end', async () => {
    const middle = await verify(await tampered(async (db, rows) => db.run('DELETE FROM audit_events WHERE seq = ?', rows[4].seq)));
    assert.equal(middle.code, 1);
    assert.match(middle.stdout, /removed: record #5 was removed: record #6 \(eventID [0-9a-f-]{36}, Encrypt at .*\) does not link to #4/);
    const tail = await verify(await tampered(async (db, rows) => db.run('DELETE FROM audit_events WHERE seq = ?', rows[rows.length - 1].seq)));
    assert.equal(tail.code, 1);
    assert.match(tail.stdout, /removed: record #12 was removed after #11 \(eventID/);
  });

  it('names a record that was inserted, even with a correctly computed link', async () => {
    const copy = await tampered(async (db, rows) => {
      const forged = JSON.stringify({ ...JSON.parse(rows[4].record), eventID: '00000000-0000-4000-8000-000000000000' });
      await db.run('UPDATE audit_events SET chain_seq = -chain_seq WHERE chain_seq > 5');
      await db.run('UPDATE audit_events SET chain_seq = 1 - chain_seq WHERE chain_seq < 0');
      // On PostgreSQL the forged record joins the chain of the node that wrote the others.
      const cols = `account, region, ${db.postgres ? 'writer, ' : ''}event_time, event_name, event_source, read_only, username, access_key_id`;
      await db.run(`INSERT INTO audit_events (chain_seq, event_id, record, prev_hash, hash, ${cols}) SELECT 6, ?, ?, ?, ?, ${cols} FROM audit_events WHERE seq = ?`,
        '00000000-0000-4000-8000-000000000000', forged, rows[4].hash, link(rows[4].hash, forged), rows[4].seq);
    });
    const out = await verify(copy);
    assert.equal(out.code, 1);
    assert.match(out.stdout, new RegExp(`^${chainName()}: \\d+ records read up to the first break, 2 digests: BROKEN$`, 'm'));
    assert.match(out.stdout, /inserted: record #6 \(eventID 00000000-0000-4000-8000-000000000000, Encrypt at .*\) was inserted/);
  });

  it('names records that were swapped', async () => {
    let second = '';
    const copy = await tampered(async (db, rows) => {
      const [a, b] = [rows[4], rows[5]];
      second = b.event_id;
      const set = 'UPDATE audit_events SET chain_seq = ? WHERE seq = ?';
      await db.run(set, -1, a.seq);
      await db.run(set, a.chain_seq, b.seq);
      await db.run(set, b.chain_seq, a.seq);
    });
    const out = await verify(copy);
    assert.equal(out.code, 1);
    assert.match(out.stdout, new RegExp(`reordered: record #5 \\(eventID ${second}, .*\\) was reordered`));
  });

  it('a rewritten chain (hashes recomputed) still fails against the signed digests; so does a forged digest or public key', async () => {
    const copy = await tampered(async (db, rows) => {
      let prev = rows[1].hash;
      for (const r of rows.slice(2)) {
        const record = r.chain_seq === 3 ? r.record.replace('127.0.0.1', '10.9.9.9') : r.record;
        const hash = link(prev, record);
        await db.run('UPDATE audit_events SET record = ?, prev_hash = ?, hash = ? WHERE seq = ?', record, prev, hash, r.seq);
        prev = hash;
      }
      await db.run('UPDATE audit_chains SET hash = ?', prev);
    });
    const out = await verify(copy);
    assert.equal(out.code, 1);
    assert.match(out.stdout, /changed: record #9 \(.*\) does not match signed digest #1: the chain was rewritten at or before it/);

    const forgedDigest = await verify(await tampered((db) => db.run("UPDATE audit_digests SET body = replace(body, '\"recordCount\":9', '\"recordCount\":8')")));
    assert.match(forgedDigest.stdout, /digest: digest #1 has an invalid signature/);
    assert.equal(forgedDigest.code, 1);

    const pem = (await locksmith('audit', 'public-key', '--data-dir', pristine)).stdout;
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    const genuine = join(root, 'genuine.pem');
    writeFileSync(genuine, pem);
    assert.equal((await verify(original, '--region', 'us-east-1', '--public-key', genuine)).code, 0);
    const other = join(root, 'other.pem');
    writeFileSync(other, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'pem', type: 'spki' }));
    const wrongKey = await verify(original, '--region', 'us-east-1', '--public-key', other);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stdout, /digest #1 has an invalid signature/);
  });

  it("exports CloudTrail's S3 layout: gzipped {Records: [...]} files and digest files", async () => {
    // An untouched copy: on PostgreSQL only --database-url names its database (the CLI is given no LOCKSMITH_DATABASE_URL for it).
    const copy = await tampered(async () => {});
    const out = join(root, 'export');
    const res = await locksmith('audit', 'export', '--data-dir', copy.dir, ...(copy.databaseUrl ? ['--database-url', copy.databaseUrl] : []), '--out', out);
    assert.equal(res.code, 0, res.stderr);
    const files: string[] = [];
    const walk = (d: string) => readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(join(d, e.name)) : files.push(relative(out, join(d, e.name)))));
    walk(out);
    const logs = files.filter((f) => f.includes('/CloudTrail/'));
    const digests = files.filter((f) => f.includes('/CloudTrail-Digest/'));
    for (const f of logs) assert.match(f, new RegExp(`^AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/\\d{4}/\\d{2}/\\d{2}/${ACCOUNT}_CloudTrail_us-east-1_\\d{8}T\\d{4}Z_[A-Za-z0-9]{16}\\.json\\.gz$`));
    // The trail-name part names the node on PostgreSQL (`locksmith-<node id>`), as each node's chain gets digests of its own.
    const trail = writer ? `locksmith-${escapeRegExp(writer)}` : 'locksmith';
    for (const f of digests) assert.match(f, new RegExp(`^AWSLogs/${ACCOUNT}/CloudTrail-Digest/us-east-1/\\d{4}/\\d{2}/\\d{2}/${ACCOUNT}_CloudTrail-Digest_us-east-1_${trail}_us-east-1_\\d{8}T\\d{6}Z(_\\d+)?\\.json\\.gz$`));
    const records = logs.flatMap((f) => (JSON.parse(gunzipSync(readFileSync(join(out, f))).toString()) as { Records: { eventName: string }[] }).Records);
    assert.equal(records.length, 12);
    assert.deepEqual(records.slice(0, 2).map((r) => r.eventName), ['CreateKey', 'Encrypt']);
    const digestBodies = digests.map((f) => JSON.parse(gunzipSync(readFileSync(join(out, f))).toString()));
    assert.deepEqual(digestBodies.map((d) => [d.firstRecordSequence, d.lastRecordSequence, d.digestSignatureAlgorithm]).sort(), [[1, 9, 'SHA256withECDSA'], [10, 12, 'SHA256withECDSA']]);
    assert.match(digestBodies[0].digestSignature, /^[0-9a-f]+$/);
    assert.deepEqual(digestBodies.map((d) => d.chainWriter ?? ''), [writer, writer]);
  });
});
