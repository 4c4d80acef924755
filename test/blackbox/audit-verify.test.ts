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

const link = (prev: string, record: string) => createHash('sha256').update(prev).update(record).digest('hex');

interface Row { seq: number; chain_seq: number; event_id: string; record: string; prev_hash: string; hash: string }

/** `locksmith audit verify | export | public-key` against a real data directory, tampered with through SQLite. */
describe('audit trail: tamper evidence, digests and export', () => {
  const root = mkdtempSync(join(tmpdir(), 'locksmith-audit-verify-'));
  const pristine = join(root, 'pristine');
  let copies = 0;
  before(async () => {
    const h = await Harness.start({ dataDir: pristine });
    const key = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    for (let i = 0; i < 8; i++) await h.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from(`n${i}`) }));
    assert.equal(await h.server.signAuditDigests(), 1);
    for (let i = 0; i < 3; i++) await h.kms.send(new ListKeysCommand({}));
    await h.stop(); // a clean stop signs a second digest over the tail
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A copy of the pristine data dir, changed by `tamper` through its own SQLite connection. */
  function tampered(tamper: (db: Database.Database, rows: Row[]) => void): string {
    const dir = join(root, `copy-${++copies}`);
    cpSync(pristine, dir, { recursive: true });
    const db = new Database(join(dir, 'locksmith.db'));
    tamper(db, db.prepare('SELECT seq, chain_seq, event_id, record, prev_hash, hash FROM audit_events ORDER BY chain_seq').all() as Row[]);
    db.close();
    return dir;
  }
  const verify = (dir: string, ...args: string[]) => locksmith('audit', 'verify', '--data-dir', dir, ...args);

  it('an untouched store verifies: every link and both digest signatures', async () => {
    const out = await verify(pristine);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.match(out.stdout, new RegExp(`${ACCOUNT} us-east-1: 12 records, 2 digests: OK`));
    assert.match(out.stdout, /audit trail intact/);
  });

  it('names a record whose content was edited', async () => {
    let victim = '';
    const dir = tampered((db, rows) => {
      victim = rows[4].event_id;
      db.prepare('UPDATE audit_events SET record = replace(record, ?, ?) WHERE seq = ?').run('127.0.0.1', '10.9.9.9', rows[4].seq);
    });
    const out = await verify(dir);
    assert.equal(out.code, 1);
    assert.match(out.stdout, new RegExp(`changed: record #5 \\(eventID ${victim}, Encrypt at .*\\) was changed: its content does not match its hash`));
  });

  it('names a record that was removed, from the middle or the end', async () => {
    const middle = await verify(tampered((db, rows) => db.prepare('DELETE FROM audit_events WHERE seq = ?').run(rows[4].seq)));
    assert.equal(middle.code, 1);
    assert.match(middle.stdout, /removed: record #5 was removed: record #6 \(eventID [0-9a-f-]{36}, Encrypt at .*\) does not link to #4/);
    const tail = await verify(tampered((db, rows) => db.prepare('DELETE FROM audit_events WHERE seq = ?').run(rows[rows.length - 1].seq)));
    assert.equal(tail.code, 1);
    assert.match(tail.stdout, /removed: record #12 was removed after #11 \(eventID/);
  });

  it('names a record that was inserted, even with a correctly computed link', async () => {
    const dir = tampered((db, rows) => {
      const forged = JSON.stringify({ ...JSON.parse(rows[4].record), eventID: '00000000-0000-4000-8000-000000000000' });
      db.prepare('UPDATE audit_events SET chain_seq = -chain_seq WHERE chain_seq > 5').run();
      db.prepare('UPDATE audit_events SET chain_seq = 1 - chain_seq WHERE chain_seq < 0').run();
      const cols = 'account, region, event_time, event_name, event_source, read_only, username, access_key_id';
      db.prepare(`INSERT INTO audit_events (chain_seq, event_id, record, prev_hash, hash, ${cols}) SELECT 6, ?, ?, ?, ?, ${cols} FROM audit_events WHERE seq = ?`)
        .run('00000000-0000-4000-8000-000000000000', forged, rows[4].hash, link(rows[4].hash, forged), rows[4].seq);
    });
    const out = await verify(dir);
    assert.equal(out.code, 1);
    assert.match(out.stdout, /inserted: record #6 \(eventID 00000000-0000-4000-8000-000000000000, Encrypt at .*\) was inserted/);
  });

  it('names records that were swapped', async () => {
    let second = '';
    const dir = tampered((db, rows) => {
      const [a, b] = [rows[4], rows[5]];
      second = b.event_id;
      const set = db.prepare('UPDATE audit_events SET chain_seq = ? WHERE seq = ?');
      set.run(-1, a.seq);
      set.run(a.chain_seq, b.seq);
      set.run(b.chain_seq, a.seq);
    });
    const out = await verify(dir);
    assert.equal(out.code, 1);
    assert.match(out.stdout, new RegExp(`reordered: record #5 \\(eventID ${second}, .*\\) was reordered`));
  });

  it('a rewritten chain (hashes recomputed) still fails against the signed digests; so does a forged digest or public key', async () => {
    const dir = tampered((db, rows) => {
      let prev = rows[1].hash;
      for (const r of rows.slice(2)) {
        const record = r.chain_seq === 3 ? r.record.replace('127.0.0.1', '10.9.9.9') : r.record;
        const hash = link(prev, record);
        db.prepare('UPDATE audit_events SET record = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(record, prev, hash, r.seq);
        prev = hash;
      }
      db.prepare('UPDATE audit_chains SET hash = ?').run(prev);
    });
    const out = await verify(dir);
    assert.equal(out.code, 1);
    assert.match(out.stdout, /changed: record #9 \(.*\) does not match signed digest #1: the chain was rewritten at or before it/);

    const forgedDigest = await verify(tampered((db) => db.prepare("UPDATE audit_digests SET body = replace(body, '\"recordCount\":9', '\"recordCount\":8')").run()));
    assert.match(forgedDigest.stdout, /digest: digest #1 has an invalid signature/);
    assert.equal(forgedDigest.code, 1);

    const pem = (await locksmith('audit', 'public-key', '--data-dir', pristine)).stdout;
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    const genuine = join(root, 'genuine.pem');
    writeFileSync(genuine, pem);
    assert.equal((await verify(pristine, '--region', 'us-east-1', '--public-key', genuine)).code, 0);
    const other = join(root, 'other.pem');
    writeFileSync(other, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'pem', type: 'spki' }));
    const wrongKey = await verify(pristine, '--region', 'us-east-1', '--public-key', other);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stdout, /digest #1 has an invalid signature/);
  });

  it("exports CloudTrail's S3 layout: gzipped {Records: [...]} files and digest files", async () => {
    const out = join(root, 'export');
    const res = await locksmith('audit', 'export', '--data-dir', pristine, '--out', out);
    assert.equal(res.code, 0, res.stderr);
    const files: string[] = [];
    const walk = (d: string) => readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(join(d, e.name)) : files.push(relative(out, join(d, e.name)))));
    walk(out);
    const logs = files.filter((f) => f.includes('/CloudTrail/'));
    const digests = files.filter((f) => f.includes('/CloudTrail-Digest/'));
    for (const f of logs) assert.match(f, new RegExp(`^AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/\\d{4}/\\d{2}/\\d{2}/${ACCOUNT}_CloudTrail_us-east-1_\\d{8}T\\d{4}Z_[A-Za-z0-9]{16}\\.json\\.gz$`));
    for (const f of digests) assert.match(f, new RegExp(`^AWSLogs/${ACCOUNT}/CloudTrail-Digest/us-east-1/\\d{4}/\\d{2}/\\d{2}/${ACCOUNT}_CloudTrail-Digest_us-east-1_locksmith_us-east-1_\\d{8}T\\d{6}Z(_\\d+)?\\.json\\.gz$`));
    const records = logs.flatMap((f) => (JSON.parse(gunzipSync(readFileSync(join(out, f))).toString()) as { Records: { eventName: string }[] }).Records);
    assert.equal(records.length, 12);
    assert.deepEqual(records.slice(0, 2).map((r) => r.eventName), ['CreateKey', 'Encrypt']);
    const digestBodies = digests.map((f) => JSON.parse(gunzipSync(readFileSync(join(out, f))).toString()));
    assert.deepEqual(digestBodies.map((d) => [d.firstRecordSequence, d.lastRecordSequence, d.digestSignatureAlgorithm]).sort(), [[1, 9, 'SHA256withECDSA'], [10, 12, 'SHA256withECDSA']]);
    assert.match(digestBodies[0].digestSignature, /^[0-9a-f]+$/);
  });
});
