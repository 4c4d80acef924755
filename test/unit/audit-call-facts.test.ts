/**
 * The request path hands the audit writer a call's facts (call-facts.ts), and the writer derives
 * the CloudTrail records from them (event-builder.ts callEvents): the facts are plain data that
 * cross a thread, hold no secret of the call, and give the record the request path would have built.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { ApiCallTrace } from '../../src/audit/api-call.js';
import { callFacts } from '../../src/audit/call-facts.js';
import { buildCallEvents, callEvents, type EventDeps } from '../../src/audit/event-builder.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import type { Random } from '../../src/crypto/random.js';
import type { Principal } from '../../src/domain/call-context.js';
import { ValidationException } from '../../src/errors/aws-error.js';
import type { AuditItem, AuditStore, NewAuditEvent } from '../../src/store/audit-ports.js';

const ACCOUNT = '111122223333';
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const principal = {
  type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/alice`, account: ACCOUNT, userId: 'AIDAEXAMPLE', userName: 'alice', accessKeyId: 'AKIAEXAMPLE',
  tags: { team: 'x' },
} as Principal;

/** UUIDs and random bytes (eventIDs) in order, so two builds of one call give identical records. */
const counting = (): Random => {
  let n = 0;
  return { uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, bytes: (size: number) => Buffer.alloc(size, ++n % 256) } as unknown as Random;
};
const deps = (random = counting()): EventDeps => ({
  store: {
    aliases: { get: async (_a: string, _r: string, name: string) => (name === 'alias/app' ? { targetKeyId: KEY } : undefined) },
    keys: { get: async () => undefined },
    sessions: { get: async () => undefined },
    iam: { getUser: async () => undefined },
  } as unknown as EventDeps['store'],
  random,
});

const encrypt = (plaintext: Buffer): ApiCallTrace => ({
  requestId: 'req-1', eventTime: new Date('2026-03-01T12:00:00.789Z'), sourceIp: '::ffff:127.0.0.1', userAgent: 'ua', service: 'kms',
  region: 'us-east-1', principal, operation: 'Encrypt', request: { KeyId: 'alias/app', Plaintext: plaintext },
  output: { KeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY}`, CiphertextBlob: Buffer.from('not a ciphertext') },
  authorizedKeys: new Set([`arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY}`]),
});

describe('audit call facts', () => {
  it('are plain data that hold no plaintext, and give the record the request path would have built', async () => {
    const plaintext = randomBytes(32);
    const trace = encrypt(plaintext);
    const facts = callFacts(trace)!;
    const cloned = structuredClone(facts); // what crosses to the writer thread
    assert.deepEqual(cloned, facts);
    const text = JSON.stringify(facts);
    for (const secret of [plaintext.toString('base64'), plaintext.toString('hex')]) assert.ok(!text.includes(secret));
    assert.equal(facts.principal.userName, 'alice');
    assert.equal('tags' in facts.principal, false, 'only what userIdentity needs');
    assert.deepEqual(facts.keyRefs, ['alias/app'], 'aliases are resolved by the writer');
    const [derived] = await callEvents(cloned, deps());
    const [direct] = await buildCallEvents(trace, deps());
    assert.equal(derived!.record, direct!.record);
    const record = JSON.parse(derived!.record);
    assert.deepEqual(record.resources, [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${KEY}` }]);
    assert.equal(record.sourceIPAddress, '127.0.0.1');
    assert.equal(record.eventTime, '2026-03-01T12:00:00Z');
    assert.deepEqual(record.requestParameters, { keyId: 'alias/app', encryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
  });

  it('carry the error and the intent the record settles', async () => {
    const trace = { ...encrypt(randomBytes(8)), output: undefined, error: ValidationException('bad'), intentWritten: true };
    const facts = callFacts(trace)!;
    assert.deepEqual(facts.error, { errorCode: 'ValidationException', errorMessage: 'bad', denial: false });
    facts.settles = 'req-1';
    const [event] = await callEvents(facts, deps());
    assert.equal(event!.settles, 'req-1');
    assert.equal(JSON.parse(event!.record).errorCode, 'ValidationException');
  });

  it('are derived by the store where it can (the writer thread), otherwise by the recorder at commit time', async () => {
    const appended: NewAuditEvent[][] = [];
    const itemsSeen: AuditItem[][] = [];
    const plain = { append: async (e: NewAuditEvent[]) => void appended.push(e) } as unknown as AuditStore;
    await new AuditRecorder(plain, { eventDeps: deps() }).recordCall(callFacts(encrypt(randomBytes(8)))!);
    assert.equal(appended.length, 1);
    assert.equal(JSON.parse(appended[0]![0]!.record).eventName, 'Encrypt');
    const deriving = { ...plain, appendItems: async (items: AuditItem[]) => void itemsSeen.push(items) } as AuditStore;
    await new AuditRecorder(deriving).recordCall(callFacts(encrypt(randomBytes(8)))!);
    assert.equal(itemsSeen.length, 1);
    assert.ok('call' in itemsSeen[0]![0]!);
    await assert.rejects(new AuditRecorder(plain).recordCall(callFacts(encrypt(randomBytes(8)))!), /no store to derive/);
  });
});
