import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/audit/canonical-json.js';
import { elementDate } from '../../src/audit/record.js';
import { AuditRecorder } from '../../src/audit/recorder.js';
import { kmsRequestParameters, kmsResponseElements, queryRequestParameters, queryResponseElements } from '../../src/audit/redact.js';
import { userIdentityOf } from '../../src/audit/user-identity.js';
import type { Principal } from '../../src/domain/call-context.js';
import type { AuditStore, NewAuditEvent } from '../../src/store/audit-ports.js';

describe('audit redaction (src/audit/redact.ts)', () => {
  it('KMS requests: blobs and sensitive members never, context keys verbatim, CloudTrail member names', () => {
    const request = JSON.parse('{"KeyId":"k","Plaintext":"c2VjcmV0","EncryptionContext":{"__proto__":"x","Key":"v"},"GrantTokens":["t"],"Unknown":1}');
    const params = kmsRequestParameters('Encrypt', request)!;
    assert.equal(canonicalJson(params), '{"encryptionContext":{"Key":"v","__proto__":"x"},"keyId":"k"}');
    assert.equal(Object.getPrototypeOf(params.encryptionContext), Object.prototype);
    assert.equal(kmsRequestParameters('Decrypt', { CiphertextBlob: Buffer.from('x') }), null);
    assert.deepEqual(kmsRequestParameters('ImportKeyMaterial', { KeyId: 'k', ImportToken: 'aa', EncryptedKeyMaterial: 'bb', ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }),
      { keyId: 'k', expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    assert.deepEqual(kmsRequestParameters('CreateCustomKeyStore', { CustomKeyStoreName: 'n', KeyStorePassword: 'hunter22' }), { customKeyStoreName: 'n' });
    assert.deepEqual(kmsResponseElements('GenerateDataKey', { KeyId: 'arn', Plaintext: Buffer.alloc(32), CiphertextBlob: Buffer.alloc(60) }), { keyId: 'arn' });
    assert.deepEqual(kmsResponseElements('CreateGrant', { GrantId: 'g', GrantToken: 'secret-token' }), { grantId: 'g' });
  });

  it('awsQuery requests: lists and structures rebuilt, secrets dropped, numbers as numbers', () => {
    const form = new Map([
      ['Action', 'AssumeRole'], ['Version', '2011-06-15'], ['RoleArn', 'arn'], ['DurationSeconds', '900'], ['TokenCode', '123456'],
      ['Tags.member.2.Key', 'b'], ['Tags.member.2.Value', '2'], ['Tags.member.1.Key', 'a'], ['Tags.member.1.Value', '1'], ['PolicyArns.member.1.arn', 'p'],
    ]);
    assert.deepEqual(queryRequestParameters(form), { roleArn: 'arn', durationSeconds: 900, tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }], policyArns: [{ arn: 'p' }] });
    assert.equal(queryRequestParameters(new Map([['Action', 'GetCallerIdentity']])), null);
    const when = new Date(Date.UTC(2020, 5, 30, 14, 4, 7));
    assert.deepEqual(queryResponseElements({ Credentials: { AccessKeyId: 'ASIA', SecretAccessKey: 's', SessionToken: 't', Expiration: when } }),
      { credentials: { accessKeyId: 'ASIA', expiration: 'Jun 30, 2020, 2:04:07 PM' } });
    assert.equal(elementDate(new Date(Date.UTC(2021, 0, 5, 0, 0, 9))), 'Jan 5, 2021, 12:00:09 AM');
  });

  it('userIdentity: invokedBy when a service calls on the principal\'s behalf', async () => {
    const p: Principal = { type: 'IAMUser', arn: 'arn:aws:iam::111111111111:user/a', account: '111111111111', accessKeyId: 'AKIA', userName: 'a', userId: 'AIDA' };
    const lookups = { sessionCreatedAt: async () => undefined, userId: async () => undefined };
    assert.deepEqual(await userIdentityOf(p, lookups, 's3.amazonaws.com'), {
      type: 'IAMUser', principalId: 'AIDA', arn: p.arn, accountId: '111111111111', accessKeyId: 'AKIA', userName: 'a', invokedBy: 's3.amazonaws.com',
    });
  });

  it('canonical JSON: sorted members, no whitespace, undefined left out', () => {
    assert.equal(canonicalJson({ b: [1, { d: true, c: null }], a: 'é', u: undefined }), '{"a":"é","b":[1,{"c":null,"d":true}]}');
  });
});

describe('AuditRecorder group commit', () => {
  const event = (id: string): NewAuditEvent => ({ account: 'a', region: 'r', eventId: id, eventTime: new Date(0), eventName: 'X', eventSource: 's', readOnly: true, resources: [], record: '{}' });
  function fakeStore(fail: (ids: string[]) => boolean) {
    const batches: string[][] = [];
    const store = { append: async (events: NewAuditEvent[]) => {
      const ids = events.map((e) => e.eventId);
      if (fail(ids)) throw new Error('write failed');
      batches.push(ids);
    } } as unknown as AuditStore;
    return { store, batches };
  }

  it('concurrent requests share one transaction; each resolves after its batch committed', async () => {
    const { store, batches } = fakeStore(() => false);
    const recorder = new AuditRecorder(store, { maxBatch: 1000 });
    await Promise.all(Array.from({ length: 100 }, (_, i) => recorder.record([event(String(i))])));
    assert.equal(batches.length, 1);
    assert.equal(batches[0].length, 100);
  });

  it('a full batch is written at once; a failing request fails alone', async () => {
    const { store, batches } = fakeStore((ids) => ids.includes('bad'));
    const recorder = new AuditRecorder(store, { maxBatch: 3 });
    const results = await Promise.allSettled(['1', '2', 'bad', '4', '5'].map((id) => recorder.record([event(id)])));
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    assert.deepEqual(batches.flat().sort(), ['1', '2', '4', '5']);
  });
});
