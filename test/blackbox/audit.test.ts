import {
  CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, DecryptCommand, DescribeKeyCommand, EncryptCommand, GenerateDataKeyCommand,
  GenerateRandomCommand, ListKeysCommand, PutKeyPolicyCommand, ScheduleKeyDeletionCommand, type KeyMetadata,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { failInserts } from '../lib/test-store.js';
import { after, before, describe, it } from 'node:test';
import { elementDate } from '../../src/audit/record.js';
import { ACCOUNT, Harness, REGION } from './harness.js';
import { UUID, failure, isoSeconds, recordOf, recordsOf, requestIdOf, storedRows, type Rec } from './audit-helpers.js';

const ROOT_ARN = `arn:aws:iam::${ACCOUNT}:root`;

/** One event per KMS call, success or failure, in CloudTrail's record format. */
describe('audit trail: KMS calls', () => {
  let h: Harness;
  let key: KeyMetadata;
  let root: Rec;
  before(async () => {
    h = await Harness.start();
    key = (await h.kms.send(new CreateKeyCommand({ Description: 'audited', Tags: [{ TagKey: 'team', TagValue: 'blue' }] }))).KeyMetadata!;
    root = { type: 'Root', principalId: ACCOUNT, arn: ROOT_ARN, accountId: ACCOUNT, accessKeyId: h.credentials.accessKeyId };
  });
  after(() => h.stop());

  const common = (r: Rec, requestId: string | undefined) => ({
    eventVersion: '1.09', eventTime: isoSeconds(h.clock.now()), eventSource: 'kms.amazonaws.com', awsRegion: REGION,
    sourceIPAddress: '127.0.0.1', userAgent: r.userAgent, requestID: requestId, eventID: r.eventID, eventType: 'AwsApiCall',
    managementEvent: true, recipientAccountId: ACCOUNT, eventCategory: 'Management',
  });
  const keyResource = (k: KeyMetadata = key) => [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: k.Arn }];

  it('CreateKey: request parameters, key metadata in responseElements, the key as resource', async () => {
    const out = await h.kms.send(new CreateKeyCommand({ Description: 'second' }));
    const r = recordOf(h, requestIdOf(out));
    const k = out.KeyMetadata!;
    assert.match(r.eventID, UUID);
    assert.match(r.userAgent, /^aws-sdk-js\//);
    assert.deepEqual(r, {
      ...common(r, requestIdOf(out)), eventName: 'CreateKey', userIdentity: root, readOnly: false,
      requestParameters: { description: 'second' },
      // CloudTrail's names (first letter lowercased, so AWSAccountId → aWSAccountId) and date form.
      responseElements: { keyMetadata: Object.fromEntries(Object.entries(k).map(([m, v]) => [m[0].toLowerCase() + m.slice(1), v instanceof Date ? elementDate(v) : v])) },
      resources: keyResource(k),
    });
    assert.equal(r.responseElements.keyMetadata.aWSAccountId, ACCOUNT);
    assert.match(r.responseElements.keyMetadata.creationDate, /^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$/);
  });

  it('Encrypt and Decrypt: context and algorithm, no plaintext or ciphertext, key material id, responseElements null', async () => {
    const enc = await h.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('attack at dawn'), EncryptionContext: { app: 'audit' } }));
    const e = recordOf(h, requestIdOf(enc));
    const materialId = { keyMaterialId: e.additionalEventData.keyMaterialId };
    assert.match(materialId.keyMaterialId, /^[0-9a-f]{64}$/);
    assert.deepEqual(e, {
      ...common(e, requestIdOf(enc)), eventName: 'Encrypt', userIdentity: root, readOnly: true,
      requestParameters: { keyId: key.KeyId, encryptionContext: { app: 'audit' }, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
      responseElements: null, additionalEventData: materialId, resources: keyResource(),
    });
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { app: 'audit' } }));
    const d = recordOf(h, requestIdOf(dec));
    assert.deepEqual(d, {
      ...common(d, requestIdOf(dec)), eventName: 'Decrypt', userIdentity: root, readOnly: true,
      requestParameters: { encryptionContext: { app: 'audit' }, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
      responseElements: null, additionalEventData: materialId, resources: keyResource(),
    });
  });

  it('GenerateDataKey and GenerateRandom: sizes and specs only', async () => {
    const gdk = await h.kms.send(new GenerateDataKeyCommand({ KeyId: key.Arn, KeySpec: 'AES_256' }));
    const g = recordOf(h, requestIdOf(gdk));
    assert.deepEqual([g.requestParameters, g.responseElements, g.resources], [{ keyId: key.Arn, keySpec: 'AES_256' }, null, keyResource()]);
    const rnd = await h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 32 }));
    const r = recordOf(h, requestIdOf(rnd));
    assert.deepEqual([r.eventName, r.requestParameters, r.responseElements, r.resources, r.readOnly], ['GenerateRandom', { numberOfBytes: 32 }, null, undefined, true]);
  });

  it('management operations: aliases, grants (no grant token), key policies (recorded, as CloudTrail does), reads without responseElements', async () => {
    const alias = await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/audited', TargetKeyId: key.KeyId }));
    const a = recordOf(h, requestIdOf(alias));
    assert.deepEqual([a.eventName, a.readOnly, a.requestParameters, a.responseElements, a.resources],
      ['CreateAlias', false, { aliasName: 'alias/audited', targetKeyId: key.KeyId }, null, keyResource()]);
    const grant = await h.kms.send(new CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: ROOT_ARN, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { app: 'audit' } } }));
    const g = recordOf(h, requestIdOf(grant));
    assert.deepEqual([g.requestParameters, g.responseElements], [
      { keyId: key.KeyId, granteePrincipal: ROOT_ARN, operations: ['Decrypt'], constraints: { encryptionContextSubset: { app: 'audit' } } },
      { grantId: grant.GrantId },
    ]);
    assert.ok(!JSON.stringify(g).includes(grant.GrantToken!), 'the grant token is not recorded');
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROOT_ARN }, Action: 'kms:*', Resource: '*' }] });
    const put = await h.kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: policy }));
    assert.deepEqual(recordOf(h, requestIdOf(put)).requestParameters, { keyId: key.KeyId, policyName: 'default', policy });
    const described = await h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/audited' }));
    const d = recordOf(h, requestIdOf(described));
    assert.deepEqual([d.readOnly, d.requestParameters, d.responseElements, d.resources], [true, { keyId: 'alias/audited' }, null, keyResource()]);
    const list = await h.kms.send(new ListKeysCommand({ Limit: 5 }));
    const l = recordOf(h, requestIdOf(list));
    assert.deepEqual([l.eventName, l.requestParameters, l.responseElements, l.resources], ['ListKeys', { limit: 5 }, null, undefined]);
  });

  it('failures carry errorCode and errorMessage: validation, not found, invalid ciphertext', async () => {
    const invalid = await failure(() => h.kms.send(new GenerateRandomCommand({ NumberOfBytes: 0 })));
    const v = recordOf(h, requestIdOf(invalid));
    assert.deepEqual([v.errorCode, v.errorMessage, v.requestParameters], ['ValidationException', invalid.message, { numberOfBytes: 0 }]);
    const missing = await failure(() => h.kms.send(new DescribeKeyCommand({ KeyId: 'alias/missing' })));
    const m = recordOf(h, requestIdOf(missing));
    assert.deepEqual([m.errorCode, m.errorMessage, m.responseElements], ['NotFoundException', missing.message, null]);
    const bad = await failure(() => h.kms.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not a ciphertext') })));
    assert.equal(recordOf(h, requestIdOf(bad)).errorCode, 'InvalidCiphertextException');
  });

  it('authentication failures are recorded once the access key is known, without request members', async () => {
    const wrong = h.client({ accessKeyId: h.credentials.accessKeyId, secretAccessKey: 'not-the-secret' });
    const denied = await failure(() => wrong.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('nope') })));
    assert.equal(denied.name, 'InvalidSignatureException');
    const r = recordOf(h, requestIdOf(denied));
    assert.deepEqual([r.eventName, r.errorCode, r.requestParameters, r.resources, r.userIdentity], ['Encrypt', 'InvalidSignatureException', null, undefined, root]);
    const unknown = h.client({ accessKeyId: 'AKIAUNKNOWN000000001', secretAccessKey: 'x' });
    const u = await failure(() => unknown.send(new ListKeysCommand({})));
    assert.equal(recordsOf(h, requestIdOf(u)).length, 0, 'an unknown access key identifies nobody: nothing to record');
  });

  it('the end of a deletion window is an AwsServiceEvent DeleteKey', async () => {
    const doomed = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.KeyId, PendingWindowInDays: 7 }));
    h.advance(7 * 86400_000 + 1000);
    assert.equal(await h.server.sweepDeletions(), 1);
    const events = storedRows(h.dataDir).map((r) => r.record).filter((r) => r.eventName === 'DeleteKey');
    assert.deepEqual(events, [{
      eventVersion: '1.09', userIdentity: { accountId: ACCOUNT, invokedBy: 'AWS Internal' }, eventTime: isoSeconds(h.clock.now()),
      eventSource: 'kms.amazonaws.com', eventName: 'DeleteKey', awsRegion: REGION, sourceIPAddress: 'AWS Internal', userAgent: 'AWS Internal',
      requestParameters: null, responseElements: { keyId: doomed.Arn }, eventID: events[0].eventID, readOnly: false,
      resources: keyResource(doomed), eventType: 'AwsServiceEvent', managementEvent: true, recipientAccountId: ACCOUNT, eventCategory: 'Management',
    }]);
  });

  it('a call whose event cannot be recorded fails with a 5xx instead of succeeding unrecorded', async () => {
    const undo = failInserts(h.dataDir, 'audit_events', 'disk full');
    try {
      const err = await failure(() => h.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('unrecorded') })));
      assert.deepEqual([err.name, err.$metadata.httpStatusCode], ['KMSInternalException', 500]);
      assert.equal(recordsOf(h, requestIdOf(err)).length, 0);
    } finally {
      undo();
    }
    const ok = await h.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('recorded') }));
    assert.equal(recordOf(h, requestIdOf(ok)).eventName, 'Encrypt');
  });
});
