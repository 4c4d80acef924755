/**
 * LocksmithService.VerifyAuditTrail and LocksmithService.{Get,Advance,Set}DevClock (awsJson1.1,
 * SigV4 service `locksmith`): who may call them, what they answer, that they are audited, and that
 * the dev clock's operations exist only on a server started with --insecure-dev-clock. The clock is
 * moved by the API only (never by the harness).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, it } from 'node:test';
import { CreateKeyCommand, DescribeKeyCommand, KMSClient, ScheduleKeyDeletionCommand } from '@aws-sdk/client-kms';
import { PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { Harness, iamClient, type Credentials } from './harness.js';
import { recordOf } from './audit-helpers.js';
import { explainApi } from './explain-helpers.js';
import { rootCredentials, spawnServer, type ServerProcess } from '../reliability/lib/server-process.js';

const SEED = join(import.meta.dirname, '../fixtures/seed-two-accounts.yaml');
const ALPHA = '111111111111';
const ALPHA_ROOT = { accessKeyId: 'AKIAALPHAROOT0000001', secretAccessKey: 'alpha-root-secret' };
const ALICE = { accessKeyId: 'AKIAALICE00000000001', secretAccessKey: 'alice-secret' };
const DAY = 86_400_000;

const call = (h: Harness, op: string, body: unknown, c: Credentials = ALPHA_ROOT) => explainApi(h, body, c, 'us-east-1', `LocksmithService.${op}`);
const errorType = (json: { __type?: string }) => String(json?.__type ?? '').split('#').pop();
const requestId = (r: { headers: Record<string, unknown> }) => String(r.headers['x-amzn-requestid']);
const allowAlice = (h: Harness, name: string, action: string) =>
  iamClient(h, ALPHA_ROOT).send(new PutUserPolicyCommand({
    UserName: 'alice', PolicyName: name,
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] }),
  }));

describe('LocksmithService without --insecure-dev-clock', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({ seedFile: SEED });
  });
  after(() => h.stop());

  it('VerifyAuditTrail answers the chains of the caller account, intact, and is audited', async () => {
    await h.client(ALPHA_ROOT).send(new CreateKeyCommand({}));
    const r = await call(h, 'VerifyAuditTrail', {});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.Ok, true);
    assert.ok(r.json.Chains.length >= 1);
    for (const c of r.json.Chains) assert.equal(c.Account, ALPHA);
    const chain = r.json.Chains.find((c: { Region: string }) => c.Region === 'us-east-1');
    assert.ok(chain.RecordsVerified >= 1, r.text);
    assert.equal(chain.Ok, true);
    assert.equal(chain.FirstBrokenRecord, undefined);
    assert.deepEqual(chain.DigestProblems, []);
    const rec = recordOf(h, requestId(r));
    assert.equal(rec.eventName, 'VerifyAuditTrail');
    assert.equal(rec.eventSource, 'locksmith.amazonaws.com');
    assert.equal(rec.readOnly, true);
  });

  it('VerifyAuditTrail needs cloudtrail:LookupEvents (AccessDeniedException, audited), as LookupEvents does', async () => {
    const denied = await call(h, 'VerifyAuditTrail', {}, ALICE);
    assert.equal(denied.status, 400);
    assert.equal(errorType(denied.json), 'AccessDeniedException');
    assert.match(denied.json.message, /user\/alice is not authorized to perform: cloudtrail:LookupEvents/);
    assert.match(recordOf(h, requestId(denied)).errorCode, /^AccessDenied/);
    await allowAlice(h, 'lookup', 'cloudtrail:LookupEvents');
    const allowed = await call(h, 'VerifyAuditTrail', {}, ALICE);
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal(allowed.json.Ok, true);
  });

  it('the dev clock operations are refused without the flag (400 UnsupportedOperationException naming it), even for the root', async () => {
    for (const [op, body] of [['GetDevClock', {}], ['AdvanceDevClock', { By: '7d' }], ['SetDevClock', { Time: '2030-01-01T00:00:00Z' }]] as const) {
      const r = await call(h, op, body);
      assert.equal(r.status, 400, `${op}: ${r.text}`);
      assert.equal(errorType(r.json), 'UnsupportedOperationException');
      assert.match(r.json.message, /--insecure-dev-clock/);
      assert.equal(recordOf(h, requestId(r)).eventName, op);
    }
  });
});

describe('LocksmithService dev clock with --insecure-dev-clock', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start({ seedFile: SEED, insecureDevClock: true });
  });
  after(() => h.stop());

  it('GetDevClock answers the lifecycle clock to the root', async () => {
    const r = await call(h, 'GetDevClock', {});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.OffsetMs, 0);
    assert.equal(r.json.Now, h.clock.now().toISOString());
  });

  it('a caller needs locksmith:<Operation> from its identity policies (AccessDeniedException otherwise)', async () => {
    for (const [op, body] of [['GetDevClock', {}], ['AdvanceDevClock', { By: '1d' }], ['SetDevClock', { Time: new Date(Date.now() + DAY).toISOString() }]] as const) {
      const r = await call(h, op, body, ALICE);
      assert.equal(r.status, 400, `${op}: ${r.text}`);
      assert.equal(errorType(r.json), 'AccessDeniedException');
      assert.match(r.json.message, new RegExp(`not authorized to perform: locksmith:${op}`));
    }
    assert.equal((await call(h, 'GetDevClock', {})).json.OffsetMs, 0, 'a refused move moved nothing');
    await allowAlice(h, 'see-clock', 'locksmith:GetDevClock');
    const seen = await call(h, 'GetDevClock', {}, ALICE);
    assert.equal(seen.status, 200, seen.text);
    assert.equal(errorType((await call(h, 'AdvanceDevClock', { By: '1d' }, ALICE)).json), 'AccessDeniedException', 'GetDevClock does not allow moving');
  });

  it('bad input is a ValidationException', async () => {
    for (const [op, body] of [['AdvanceDevClock', {}], ['AdvanceDevClock', { By: 'soon' }], ['AdvanceDevClock', { By: '200y' }], ['SetDevClock', { Time: 'tomorrow' }]] as const) {
      const r = await call(h, op, body);
      assert.equal(r.status, 400, `${op} ${JSON.stringify(body)}: ${r.text}`);
      assert.equal(errorType(r.json), 'ValidationException');
    }
  });

  it('AdvanceDevClock 7d: a key scheduled for deletion in 7 days is gone (audited as a write)', async () => {
    const kms = h.client(ALPHA_ROOT);
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata!.KeyId!;
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    const early = await call(h, 'AdvanceDevClock', { By: '6d' });
    assert.equal(early.status, 200, early.text);
    assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!.KeyState, 'PendingDeletion');
    const r = await call(h, 'AdvanceDevClock', { By: '1d' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.OffsetMs, 7 * DAY);
    assert.equal(r.json.Schedule.deletion, 1, r.text);
    await assert.rejects(kms.send(new DescribeKeyCommand({ KeyId: keyId })), { name: 'NotFoundException' });
    const rec = recordOf(h, requestId(r));
    assert.equal(rec.eventName, 'AdvanceDevClock');
    assert.equal(rec.readOnly, false);
    assert.deepEqual(rec.requestParameters, { by: '1d' });
    kms.destroy();
  });

  it('SetDevClock sets the lifecycle clock to the given time', async () => {
    const at = new Date(h.clock.now().getTime() + 30 * DAY);
    const r = await call(h, 'SetDevClock', { Time: at.toISOString() });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.Now, at.toISOString());
    assert.equal((await call(h, 'GetDevClock', {})).json.Now, at.toISOString());
  });
});

describe('LocksmithService.VerifyAuditTrail on a tampered trail', () => {
  let dir: string;
  let server: ServerProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-verify-api-'));
    server = await spawnServer(dir); // SQLite in the data directory, changed below through its own connection
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the first changed record and why', async () => {
    const root = rootCredentials(dir);
    const kms = new KMSClient({ endpoint: server.endpoint, region: 'us-east-1', credentials: root, maxAttempts: 1 });
    for (let i = 0; i < 3; i++) await kms.send(new CreateKeyCommand({ Description: `k${i}` }));
    kms.destroy();
    const h = { endpoint: server.endpoint, clock: { now: () => new Date() } } as unknown as Harness;
    const intact = await call(h, 'VerifyAuditTrail', {}, root);
    assert.equal(intact.status, 200, intact.text);
    assert.equal(intact.json.Ok, true, intact.text);
    const db = new Database(join(dir, 'locksmith.db'));
    const victim = db.prepare("SELECT seq, chain_seq, event_id FROM audit_events WHERE record LIKE '%\"CreateKey\"%' ORDER BY chain_seq LIMIT 1 OFFSET 1").get() as { seq: number; chain_seq: number; event_id: string };
    db.prepare('UPDATE audit_events SET record = replace(record, ?, ?) WHERE seq = ?').run('k1', 'k9', victim.seq);
    db.close();
    const broken = await call(h, 'VerifyAuditTrail', {}, root);
    assert.equal(broken.status, 200, broken.text);
    assert.equal(broken.json.Ok, false);
    const chain = broken.json.Chains.find((c: { Region: string }) => c.Region === 'us-east-1');
    assert.equal(chain.Ok, false);
    assert.equal(chain.FirstBrokenRecord.Kind, 'changed');
    assert.equal(chain.FirstBrokenRecord.ChainSeq, victim.chain_seq);
    assert.equal(chain.FirstBrokenRecord.EventId, victim.event_id);
    assert.match(chain.FirstBrokenRecord.Message, /its content does not match its hash/);
  });
});
