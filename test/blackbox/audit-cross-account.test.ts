import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { DecryptCommand, DisableKeyCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness } from './harness.js';
import { cloudTrailClient, failure, recordsOf, requestIdOf, storedRows } from './audit-helpers.js';

const ALPHA = '111111111111';
const BETA = '222222222222';
const KEY = `arn:aws:kms:us-east-1:${ALPHA}:key/11111111-2222-3333-4444-555555555555`;
const BOB = { accessKeyId: 'AKIABOB0000000000001', secretAccessKey: 'bob-secret' };
const ALPHA_ROOT = { accessKeyId: 'AKIAALPHAROOT0000001', secretAccessKey: 'alpha-root-secret' };
const BETA_ROOT = { accessKeyId: 'AKIABETAROOT00000001', secretAccessKey: 'beta-root-secret' };

/** "Cross-account operations on KMS keys are logged in both the caller account and the KMS key owner account." */
describe('audit trail: cross-account calls', () => {
  let h: Harness;
  let bob: KMSClient;
  before(async () => {
    h = await Harness.start({ seedFile: join(import.meta.dirname, '../fixtures/seed-two-accounts.yaml') });
    bob = h.client(BOB);
  });
  after(async () => {
    bob.destroy();
    await h.stop();
  });

  it("bob's Encrypt and Decrypt with alpha's key are recorded in both accounts with one sharedEventID", async () => {
    const enc = await bob.send(new EncryptCommand({ KeyId: KEY, Plaintext: Buffer.from('shared secret') }));
    const dec = await bob.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    for (const out of [enc, dec]) {
      const records = recordsOf(h, requestIdOf(out));
      assert.deepEqual(records.map((r) => r.recipientAccountId), [BETA, ALPHA]);
      const [mine, theirs] = records;
      assert.match(mine.sharedEventID, /^[0-9a-f-]{36}$/);
      assert.equal(theirs.sharedEventID, mine.sharedEventID);
      assert.notEqual(theirs.eventID, mine.eventID);
      assert.deepEqual(mine.userIdentity, {
        type: 'IAMUser', principalId: mine.userIdentity.principalId, arn: `arn:aws:iam::${BETA}:user/bob`, accountId: BETA, accessKeyId: BOB.accessKeyId, userName: 'bob',
      });
      assert.deepEqual(theirs.userIdentity, { type: 'AWSAccount', principalId: mine.userIdentity.principalId, accountId: BETA });
      assert.deepEqual(theirs.resources, [{ accountId: ALPHA, type: 'AWS::KMS::Key', ARN: KEY }]);
      assert.deepEqual({ ...theirs, userIdentity: 0, eventID: 0, recipientAccountId: 0 }, { ...mine, userIdentity: 0, eventID: 0, recipientAccountId: 0 });
    }
    // Each chain holds its own account's copies.
    const chains = new Set(storedRows(h.dataDir).filter((r) => r.record.requestID === requestIdOf(enc)).map((r) => `${r.account}/${r.region}`));
    assert.deepEqual(chains, new Set([`${BETA}/us-east-1`, `${ALPHA}/us-east-1`]));
  });

  it('a cross-account request refused with AccessDenied is recorded only in the caller\'s account', async () => {
    const denied = await failure(() => bob.send(new DisableKeyCommand({ KeyId: KEY })));
    const records = recordsOf(h, requestIdOf(denied));
    assert.deepEqual(records.map((r) => [r.recipientAccountId, r.errorCode, r.sharedEventID]), [[BETA, 'AccessDenied', undefined]]);
  });

  it('LookupEvents: each account sees its own copy and nothing of the other account', async () => {
    const alpha = cloudTrailClient(h, ALPHA_ROOT);
    const beta = cloudTrailClient(h, BETA_ROOT);
    const alphaEvents = (await alpha.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: KEY }] }))).Events!;
    assert.deepEqual(alphaEvents.map((e) => e.EventName), ['Decrypt', 'Encrypt']);
    assert.ok(alphaEvents.every((e) => JSON.parse(e.CloudTrailEvent!).userIdentity.type === 'AWSAccount' && e.AccessKeyId === undefined));
    const betaEvents = (await beta.send(new LookupEventsCommand({}))).Events!;
    assert.deepEqual(betaEvents.map((e) => e.EventName).filter((n) => n !== 'LookupEvents'), ['DisableKey', 'Decrypt', 'Encrypt']);
    assert.ok(betaEvents.every((e) => JSON.parse(e.CloudTrailEvent!).recipientAccountId === BETA));
    const betaByUser = (await beta.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'bob' }] }))).Events!;
    assert.equal(betaByUser.length, 3);
    assert.deepEqual((await alpha.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'bob' }] }))).Events, []);
  });
});
