/**
 * Regression tests for the grant findings of issue 11: grant escalation through a grant's
 * CreateGrant permission (1), grant tokens across Regions (7), and the quotas on grants and
 * aliases per KMS key (5). Each attack is run as an outsider would run it: an IAM user with no
 * policies of its own whose only access is a grant.
 */
import {
  CreateAliasCommand, CreateGrantCommand, DescribeKeyCommand, RevokeGrantCommand, CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient, ListGrantsCommand,
  ReplicateKeyCommand, UpdateAliasCommand, type CreateGrantCommandInput,
} from '@aws-sdk/client-kms';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { databasePath } from '../../src/server/app.js';
import { REPLICA_CREATING_MS } from '../../src/services/kms/transient-key-states.js';
import { sqliteGrantStore } from '../../src/store/sqlite/sqlite-grants.js';
import { makeGrant } from '../contract/grant-contract.js';
import { execTestDatabase, sqlLiteral, testStore } from '../lib/test-store.js';
import { grantRules } from '../../src/domain/grant-rules.js';
import type { KmsGrant } from '../../src/store/grant-ports.js';
import { ACCOUNT, awsError, Harness, iamClient, REGION, type Credentials } from './harness.js';

const EU = 'eu-west-1';
const userArn = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;

describe('security: grants', () => {
  let h: Harness;
  const clients: KMSClient[] = [];
  let mallory: KMSClient;
  let bob: KMSClient;
  before(async () => {
    h = await Harness.start();
    mallory = await userClient('mallory');
    bob = await userClient('bob');
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await h.stop();
  });
  async function userClient(name: string, region = REGION, policy?: object): Promise<KMSClient> {
    const iam = iamClient(h);
    await iam.send(new CreateUserCommand({ UserName: name }));
    if (policy) await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
    const k = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    iam.destroy();
    const creds: Credentials = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    return clientFor(creds, region);
  }
  function clientFor(creds: Credentials, region: string): KMSClient {
    const c = h.client(creds, region);
    clients.push(c);
    return c;
  }
  const newKey = async (extra = {}) => (await h.kms.send(new CreateKeyCommand(extra))).KeyMetadata!;
  const grant = (c: KMSClient, input: Partial<CreateGrantCommandInput> & { KeyId: string; Operations: CreateGrantCommandInput['Operations'] }) =>
    c.send(new CreateGrantCommand({ GranteePrincipal: userArn('mallory'), ...input }));
  const blob = async (KeyId: string, EncryptionContext?: Record<string, string>) =>
    (await h.kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('secret'), EncryptionContext }))).CiphertextBlob!;

  describe('finding 1: a grant created under a grant may only narrow it', () => {
    it('refuses wider operations or looser constraints with AccessDeniedException, and allows narrower ones', async () => {
      const k = await newKey();
      const parent = await grant(h.kms, {
        KeyId: k.KeyId!, Operations: ['Decrypt', 'CreateGrant'], Constraints: { EncryptionContextSubset: { tenant: 'a' } },
      });
      const wider: Array<Partial<CreateGrantCommandInput> & { Operations: CreateGrantCommandInput['Operations'] }> = [
        { Operations: ['Decrypt'] }, // no constraint
        { Operations: ['Decrypt', 'Encrypt'], Constraints: { EncryptionContextSubset: { tenant: 'a' } } },
        { Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { tenant: 'b' } } },
        { Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { other: 'x' } } },
        { Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: { tenant: 'b' } } },
        { Operations: ['Decrypt', 'CreateGrant', 'ReEncryptFrom'], Constraints: { EncryptionContextSubset: { tenant: 'a' } } },
      ];
      for (const w of wider) {
        for (const tokens of [undefined, [parent.GrantToken!]]) {
          const e = await awsError(() => grant(mallory, { KeyId: k.Arn!, ...w, GrantTokens: tokens }));
          assert.equal(e.name, 'AccessDeniedException', JSON.stringify(w));
          assert.ok(e.message.startsWith(`User: ${userArn('mallory')} is not authorized to perform: kms:CreateGrant on resource: ${k.Arn}`), e.message);
        }
      }
      // Nothing wider was stored: only the parent is on the key.
      assert.equal((await h.kms.send(new ListGrantsCommand({ KeyId: k.KeyId }))).Grants!.length, 1);

      // Narrower children are allowed, for the grantee itself or for someone else.
      await grant(mallory, { KeyId: k.Arn!, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { tenant: 'a', app: 'x' } } });
      await grant(mallory, { KeyId: k.Arn!, Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: { tenant: 'a' } }, GranteePrincipal: userArn('bob') });
      await grant(mallory, { KeyId: k.Arn!, Operations: ['Decrypt', 'CreateGrant'], Constraints: { EncryptionContextSubset: { tenant: 'a' } } });

      // And the escalation's goal stays out of reach: tenant b's ciphertext.
      const other = await blob(k.KeyId!, { tenant: 'b' });
      assert.equal((await awsError(() => mallory.send(new DecryptCommand({ CiphertextBlob: other, EncryptionContext: { tenant: 'b' } })))).name, 'AccessDeniedException');
      const mine = await blob(k.KeyId!, { tenant: 'a' });
      assert.equal(Buffer.from((await mallory.send(new DecryptCommand({ CiphertextBlob: mine, EncryptionContext: { tenant: 'a' } }))).Plaintext!).toString(), 'secret');
      assert.equal(Buffer.from((await bob.send(new DecryptCommand({ CiphertextBlob: mine, EncryptionContext: { tenant: 'a' } }))).Plaintext!).toString(), 'secret');
    });

    it('a grantee without CreateGrant in its grant cannot create grants at all', async () => {
      const k = await newKey();
      await grant(h.kms, { KeyId: k.KeyId!, Operations: ['Decrypt', 'Encrypt'] });
      const e = await awsError(() => grant(mallory, { KeyId: k.Arn!, Operations: ['Decrypt'] }));
      assert.equal(e.name, 'AccessDeniedException');
    });

    it('a principal allowed CreateGrant by the key policy is not limited by grants', async () => {
      const k = await newKey();
      await grant(h.kms, { KeyId: k.KeyId!, Operations: ['Decrypt', 'CreateGrant'], GranteePrincipal: `arn:aws:iam::${ACCOUNT}:root` });
      const g = await grant(h.kms, { KeyId: k.KeyId!, Operations: ['Encrypt', 'Decrypt', 'ReEncryptFrom'] });
      assert.match(g.GrantId!, /^[0-9a-f]{64}$/);
    });
  });

  describe('grant condition keys in policies', () => {
    it('kms:GrantOperations and kms:GrantConstraintType limit what a policy lets a principal grant', async () => {
      const carol = await userClient('carol', REGION, {
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*',
          Condition: {
            'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt', 'Encrypt'] },
            'ForAnyValue:StringEquals': { 'kms:GrantConstraintType': 'EncryptionContextSubset' },
          },
        }],
      });
      const k = await newKey();
      await grant(carol, { KeyId: k.KeyId!, Operations: ['Decrypt'], Constraints: { EncryptionContextSubset: { t: 'a' } } });
      for (const wrong of [
        { Operations: ['Decrypt', 'GenerateDataKey'] as const, Constraints: { EncryptionContextSubset: { t: 'a' } } },
        { Operations: ['Decrypt'] as const },
        { Operations: ['Decrypt'] as const, Constraints: { EncryptionContextEquals: { t: 'a' } } },
      ]) {
        const e = await awsError(() => grant(carol, { KeyId: k.KeyId!, Operations: [...wrong.Operations], Constraints: wrong.Constraints }));
        assert.equal(e.name, 'AccessDeniedException', JSON.stringify(wrong));
      }
    });

    it('kms:GrantIsForAWSResource is false for a direct call: a Deny on it stops even a grant-given CreateGrant', async () => {
      const dave = await userClient('dave', REGION, {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
          { Effect: 'Deny', Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': 'false' } } },
        ],
      });
      const k = await newKey();
      assert.equal((await awsError(() => grant(dave, { KeyId: k.KeyId!, Operations: ['Decrypt'] }))).name, 'AccessDeniedException');
      await grant(h.kms, { KeyId: k.KeyId!, Operations: ['Decrypt', 'CreateGrant'], GranteePrincipal: userArn('dave') });
      const e = await awsError(() => grant(dave, { KeyId: k.KeyId!, Operations: ['Decrypt'] }));
      assert.equal(e.name, 'AccessDeniedException');
      assert.match(e.message, /with an explicit deny in an identity-based policy$/);
    });
  });

  describe('finding 7: grants are per key per Region', () => {
    it("a grant token of a Multi-Region primary key does not work on its replica", async () => {
      const k = await newKey({ MultiRegion: true });
      await h.kms.send(new ReplicateKeyCommand({ KeyId: k.KeyId, ReplicaRegion: EU }));
      h.advance(REPLICA_CREATING_MS); // the replica leaves Creating
      const g = await grant(h.kms, { KeyId: k.KeyId!, Operations: ['Encrypt', 'Decrypt'] });
      const malloryEu = clientFor((await mallory.config.credentials()) as Credentials, EU);
      const rootEu = clientFor(h.credentials, EU);
      assert.deepEqual((await rootEu.send(new ListGrantsCommand({ KeyId: k.KeyId }))).Grants, []);
      const viaToken = await awsError(() => malloryEu.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x'), GrantTokens: [g.GrantToken!] })));
      assert.equal(viaToken.name, 'AccessDeniedException');
      const euBlob = (await rootEu.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x') }))).CiphertextBlob!;
      const decrypt = await awsError(() => malloryEu.send(new DecryptCommand({ CiphertextBlob: euBlob, GrantTokens: [g.GrantToken!] })));
      assert.equal(decrypt.name, 'AccessDeniedException');
      // The same token works in the primary's Region.
      await mallory.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: Buffer.from('x'), GrantTokens: [g.GrantToken!] }));
    });
  });

  describe('finding 5: quotas', () => {
    it('aliases per KMS key: 50 (CreateAlias and UpdateAlias), LimitExceededException', async () => {
      const k = await newKey();
      for (let i = 0; i < 50; i++) await h.kms.send(new CreateAliasCommand({ AliasName: `alias/quota-${i}`, TargetKeyId: k.KeyId }));
      const e = await awsError(() => h.kms.send(new CreateAliasCommand({ AliasName: 'alias/quota-50', TargetKeyId: k.KeyId })));
      assert.equal(e.name, 'LimitExceededException');
      assert.equal(e.message, `The number of aliases for ${k.Arn} has reached the quota of 50 aliases per KMS key.`);
      const other = await newKey();
      await h.kms.send(new CreateAliasCommand({ AliasName: 'alias/quota-other', TargetKeyId: other.KeyId }));
      const moved = await awsError(() => h.kms.send(new UpdateAliasCommand({ AliasName: 'alias/quota-other', TargetKeyId: k.KeyId })));
      assert.equal(moved.name, 'LimitExceededException');
      // Retargeting an alias that already points at the key is no new association.
      await h.kms.send(new UpdateAliasCommand({ AliasName: 'alias/quota-0', TargetKeyId: k.KeyId }));
    });
  });
});

describe('security: 50,000 grants per KMS key', () => {
  it('the 50,001st grant is LimitExceededException; a revoked grant frees its place; the key still answers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'locksmith-grant-quota-'));
    try {
      let h = await Harness.start({ dataDir });
      const k = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
      // Grantees must exist (principals are bound to their unique ids).
      for (const name of ['last', 'over', 'again']) await iamClient(h).send(new CreateUserCommand({ UserName: name }));
      await h.stop();
      // 49,999 grants written straight into the store (49,999 requests would take minutes).
      const ref = { account: ACCOUNT, region: REGION, keyId: k.KeyId! };
      if (testStore() === 'postgres') floodPostgres(dataDir, makeGrant(ref), 49_999);
      else {
        const db = new Database(databasePath(dataDir));
        const grants = sqliteGrantStore(db);
        db.transaction(() => {
          for (let i = 0; i < 49_999; i++) void grants.create(makeGrant(ref, { granteePrincipal: userArn(`flood${i % 7}`) }), 50_000);
        })();
        db.close();
      }
      h = await Harness.start({ dataDir });
      try {
        const g = await h.kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: userArn('last'), Operations: ['Decrypt'] }));
        const e = await awsError(() => h.kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: userArn('over'), Operations: ['Decrypt'] })));
        assert.equal(e.name, 'LimitExceededException');
        assert.equal(e.message, `The number of grants on ${k.Arn} has reached the quota of 50000 grants per KMS key.`);
        await h.kms.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: g.GrantId }));
        await h.kms.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: userArn('again'), Operations: ['Decrypt'] }));
        assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!.KeyState, 'Enabled');
      } finally {
        await h.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/**
 * The SQLite flood's rows on PostgreSQL, as pgGrantStore.create writes them (grant, token, authorization
 * rules), by INSERT … SELECT over generate_series: creating them one by one counts the key's grants
 * each time.
 */
function floodPostgres(dataDir: string, g: KmsGrant, count: number): void {
  const q = sqlLiteral;
  const where = `account = ${q(g.account)} AND region = ${q(g.region)} AND key_id = ${q(g.keyId)}`;
  execTestDatabase(dataDir, `INSERT INTO kms_grants (account, region, key_id, grant_id, grantee_principal, operations, issuing_account, creation_date, grant_token_sha256)
      SELECT ${q(g.account)}, ${q(g.region)}, ${q(g.keyId)}, md5('grant' || i) || md5('id' || i), ${q(userArn('flood'))} || (i % 7),
        ${q(JSON.stringify(g.operations))}, ${q(g.issuingAccount)}, ${g.creationDate.getTime()}, md5('token' || i) || md5('sha' || i)
      FROM generate_series(0, ${count - 1}) AS i`);
  // Without fresh statistics the foreign-key checks below scan kms_grants for each row (minutes instead of a second).
  execTestDatabase(dataDir, 'ANALYZE kms_grants');
  execTestDatabase(dataDir, `INSERT INTO kms_grant_tokens (token_sha256, account, region, key_id, grant_id) SELECT grant_token_sha256, account, region, key_id, grant_id FROM kms_grants WHERE ${where};
    ${grantRules(g).map(([operation, rule, mask]) => `INSERT INTO kms_grant_rules (account, region, key_id, operation, grantee_principal, rule, mask, grant_id)
      SELECT account, region, key_id, ${q(operation)}, grantee_principal, ${q(rule)}, ${mask}, grant_id FROM kms_grants WHERE ${where};`).join('\n')}`);
}
