import {
  CreateGrantCommand,
  CreateKeyCommand,
  DisableKeyCommand,
  ListGrantsCommand,
  ListRetirableGrantsCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  type CreateGrantCommandInput,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { ACCOUNT, awsError, Harness, iamClient } from './harness.js';

const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

describe('grants (same account, root credentials)', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
    // Grants name principals that exist: CreateGrant refuses others (security-policy.test.ts).
    const iam = iamClient(h);
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'sts:AssumeRole' }] });
    for (const UserName of ['app', 'a', 'b']) await iam.send(new CreateUserCommand({ UserName }));
    for (const [RoleName, Path] of [['admin', '/'], ['retirer', '/'], ['retirer-2', '/'], ['R', '/path/to/']]) {
      await iam.send(new CreateRoleCommand({ RoleName, Path, AssumeRolePolicyDocument: trust }));
    }
    iam.destroy();
  });
  after(() => h.stop());
  const newKey = async () => (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const create = (input: Partial<CreateGrantCommandInput> & { KeyId: string }) =>
    h.kms.send(new CreateGrantCommand({ GranteePrincipal: user('app'), Operations: ['Encrypt', 'Decrypt'], ...input }));
  const grantIds = async (KeyId: string) => (await h.kms.send(new ListGrantsCommand({ KeyId }))).Grants!.map((g) => g.GrantId);

  it('CreateGrant returns a 64-hex GrantId and an opaque token; ListGrants shows the grant as AWS lists it', async () => {
    const k = await newKey();
    const g = await create({
      KeyId: k.KeyId!,
      RetiringPrincipal: `arn:aws:iam::${ACCOUNT}:role/admin`,
      Operations: ['Decrypt', 'GenerateDataKey', 'Decrypt'],
      Constraints: { EncryptionContextSubset: { Department: 'IT' } },
    });
    assert.match(g.GrantId!, /^[0-9a-f]{64}$/);
    assert.ok(g.GrantToken && g.GrantToken.length >= 32 && !g.GrantToken.includes(g.GrantId!));
    const list = await h.kms.send(new ListGrantsCommand({ KeyId: k.KeyId }));
    assert.equal(list.Truncated, false);
    assert.equal(list.NextMarker, undefined);
    assert.equal(list.Grants!.length, 1);
    const e = list.Grants![0];
    assert.equal(e.KeyId, k.Arn);
    assert.equal(e.GrantId, g.GrantId);
    assert.equal(e.Name, '');
    assert.ok(e.CreationDate instanceof Date);
    assert.equal(e.GranteePrincipal, user('app'));
    assert.equal(e.RetiringPrincipal, `arn:aws:iam::${ACCOUNT}:role/admin`);
    assert.equal(e.IssuingAccount, ROOT);
    assert.deepEqual(e.Operations, ['Decrypt', 'GenerateDataKey']);
    assert.deepEqual(e.Constraints, { EncryptionContextSubset: { Department: 'IT' } });
    // Key ARN works as KeyId (cross-account form), an alias does not.
    assert.deepEqual(await grantIds(k.Arn!), [g.GrantId]);
    const byAlias = await awsError(() => h.kms.send(new ListGrantsCommand({ KeyId: 'alias/nope' })));
    assert.equal(byAlias.name, 'NotFoundException');
  });

  it('ListGrants filters by GrantId and GranteePrincipal and pages with Limit/Marker', async () => {
    const k = await newKey();
    const ids: string[] = [];
    for (const who of ['a', 'b', 'a']) ids.push((await create({ KeyId: k.KeyId!, GranteePrincipal: user(who) })).GrantId!);
    await create({ KeyId: (await newKey()).KeyId!, GranteePrincipal: user('a') });
    const byId = await h.kms.send(new ListGrantsCommand({ KeyId: k.KeyId, GrantId: ids[1] }));
    assert.deepEqual(byId.Grants!.map((g) => g.GrantId), [ids[1]]);
    const byGrantee = await h.kms.send(new ListGrantsCommand({ KeyId: k.KeyId, GranteePrincipal: user('a') }));
    assert.deepEqual(byGrantee.Grants!.map((g) => g.GrantId), [ids[0], ids[2]]);
    const p1 = await h.kms.send(new ListGrantsCommand({ KeyId: k.KeyId, Limit: 2 }));
    assert.equal(p1.Truncated, true);
    const p2 = await h.kms.send(new ListGrantsCommand({ KeyId: k.KeyId, Limit: 2, Marker: p1.NextMarker }));
    assert.equal(p2.Truncated, false);
    assert.deepEqual([...p1.Grants!, ...p2.Grants!].map((g) => g.GrantId), ids);
    const badId = await awsError(() => h.kms.send(new ListGrantsCommand({ KeyId: k.KeyId, GrantId: 'not-a-grant-id' })));
    assert.equal(badId.name, 'InvalidGrantIdException');
    const badMarker = await awsError(() => h.kms.send(new ListGrantsCommand({ KeyId: k.KeyId, Marker: 'bogus' })));
    assert.equal(badMarker.name, 'InvalidMarkerException');
  });

  it('RevokeGrant deletes a grant; a second revoke is NotFoundException, a malformed id InvalidGrantIdException', async () => {
    const k = await newKey();
    const g = await create({ KeyId: k.KeyId! });
    const keep = await create({ KeyId: k.KeyId! });
    await h.kms.send(new RevokeGrantCommand({ KeyId: k.Arn, GrantId: g.GrantId }));
    assert.deepEqual(await grantIds(k.KeyId!), [keep.GrantId]);
    const again = await awsError(() => h.kms.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: g.GrantId })));
    assert.equal(again.name, 'NotFoundException');
    const malformed = await awsError(() => h.kms.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: 'xyz' })));
    assert.equal(malformed.name, 'InvalidGrantIdException');
    const other = await newKey();
    const otherKey = await awsError(() => h.kms.send(new RevokeGrantCommand({ KeyId: other.KeyId, GrantId: keep.GrantId })));
    assert.equal(otherKey.name, 'NotFoundException');
  });

  it('RetireGrant by grant token or by KeyId + GrantId; the key account may retire any grant on its key', async () => {
    const k = await newKey();
    const byToken = await create({ KeyId: k.KeyId! });
    const byId = await create({ KeyId: k.KeyId! });
    await h.kms.send(new RetireGrantCommand({ GrantToken: byToken.GrantToken }));
    await h.kms.send(new RetireGrantCommand({ KeyId: k.Arn, GrantId: byId.GrantId }));
    assert.deepEqual(await grantIds(k.KeyId!), []);
    const tokenAgain = await awsError(() => h.kms.send(new RetireGrantCommand({ GrantToken: byToken.GrantToken })));
    assert.equal(tokenAgain.name, 'NotFoundException');
    const idAgain = await awsError(() => h.kms.send(new RetireGrantCommand({ KeyId: k.KeyId, GrantId: byId.GrantId })));
    assert.equal(idAgain.name, 'NotFoundException');
    const nothing = await awsError(() => h.kms.send(new RetireGrantCommand({ KeyId: k.KeyId })));
    assert.equal(nothing.name, 'ValidationException');
    const badToken = await awsError(() => h.kms.send(new RetireGrantCommand({ GrantToken: 'not a token' })));
    assert.equal(badToken.name, 'InvalidGrantTokenException');
    const badId = await awsError(() => h.kms.send(new RetireGrantCommand({ KeyId: k.KeyId, GrantId: 'g' })));
    assert.equal(badId.name, 'InvalidGrantIdException');
    const noKey = await awsError(() => h.kms.send(new RetireGrantCommand({ KeyId: 'alias/x', GrantId: byId.GrantId })));
    assert.equal(noKey.name, 'NotFoundException');
  });

  it('ListRetirableGrants lists the grants a principal of the account may retire, across keys', async () => {
    const retirer = `arn:aws:iam::${ACCOUNT}:role/retirer`;
    const a = await create({ KeyId: (await newKey()).KeyId!, RetiringPrincipal: retirer });
    const b = await create({ KeyId: (await newKey()).KeyId!, RetiringPrincipal: retirer });
    await create({ KeyId: (await newKey()).KeyId!, RetiringPrincipal: `${retirer}-2` });
    const res = await h.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retirer }));
    assert.deepEqual(res.Grants!.map((g) => g.GrantId), [a.GrantId, b.GrantId]);
    assert.equal(res.Grants![0].RetiringPrincipal, retirer);
    const p1 = await h.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retirer, Limit: 1 }));
    assert.equal(p1.Truncated, true);
    const p2 = await h.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: retirer, Limit: 1, Marker: p1.NextMarker }));
    assert.deepEqual(p2.Grants!.map((g) => g.GrantId), [b.GrantId]);
    const missing = await awsError(() => h.kms.send(new ListRetirableGrantsCommand({})));
    assert.equal(missing.name, 'ValidationException');
    const foreign = await awsError(() => h.kms.send(new ListRetirableGrantsCommand({ RetiringPrincipal: 'arn:aws:iam::111122223333:role/x' })));
    assert.equal(foreign.name, 'AccessDeniedException');
  });

  it('Name makes CreateGrant idempotent: same parameters → same GrantId, new token; other parameters → a new grant', async () => {
    const k = await newKey();
    const params = { KeyId: k.KeyId!, Name: 'app-decrypt', Operations: ['Decrypt', 'Encrypt'] as const, Constraints: { EncryptionContextEquals: { a: '1' } } };
    const first = await create({ ...params, Operations: [...params.Operations] });
    const retry = await create({ ...params, KeyId: k.Arn!, Operations: ['Encrypt', 'Decrypt'] });
    assert.equal(retry.GrantId, first.GrantId);
    assert.notEqual(retry.GrantToken, first.GrantToken);
    const differs = await create({ ...params, Operations: ['Decrypt'] });
    assert.notEqual(differs.GrantId, first.GrantId);
    const list = (await h.kms.send(new ListGrantsCommand({ KeyId: k.KeyId }))).Grants!;
    assert.deepEqual(list.map((g) => [g.GrantId, g.Name]), [[first.GrantId, 'app-decrypt'], [differs.GrantId, 'app-decrypt']]);
    // Every token of the grant identifies it.
    await h.kms.send(new RetireGrantCommand({ GrantToken: retry.GrantToken }));
    const viaFirst = await awsError(() => h.kms.send(new RetireGrantCommand({ GrantToken: first.GrantToken })));
    assert.equal(viaFirst.name, 'NotFoundException');
    // The same name on another key is another grant.
    const k2 = await newKey();
    const elsewhere = await create({ ...params, KeyId: k2.KeyId!, Operations: [...params.Operations] });
    assert.notEqual(elsewhere.GrantId, first.GrantId);
  });

  it('refuses invalid grants with AWS-shaped errors', async () => {
    const k = await newKey();
    const cases: [string, Partial<CreateGrantCommandInput>, string, RegExp?][] = [
      ['Sign on a symmetric key', { Operations: ['Sign'] }, 'ValidationException', /Sign/],
      ['GetPublicKey on a symmetric key', { Operations: ['Decrypt', 'GetPublicKey'] }, 'ValidationException', /GetPublicKey/],
      ['only CreateGrant', { Operations: ['CreateGrant'] }, 'ValidationException', /^Grants must not contain only the CreateGrant operation\.$/],
      ['no operations', { Operations: [] }, 'ValidationException'],
      ['a service principal', { GranteePrincipal: 's3.amazonaws.com' }, 'InvalidArnException'],
      ['an IAM group', { GranteePrincipal: `arn:aws:iam::${ACCOUNT}:group/devs` }, 'InvalidArnException'],
      ['a malformed retiring principal', { RetiringPrincipal: 'arn:aws:iam::123:user/x' }, 'InvalidArnException'],
      ['no grantee', { GranteePrincipal: undefined }, 'ValidationException'],
      ['GranteeServicePrincipal', { GranteePrincipal: undefined, GranteeServicePrincipal: 'logs.us-east-1.amazonaws.com' }, 'ValidationException'],
      ['9 constraint pairs', { Constraints: { EncryptionContextSubset: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v'])) } }, 'ValidationException'],
      ['an enum violation', { Operations: ['ReEncrypt' as never] }, 'ValidationException', /^1 validation error detected: /],
    ];
    for (const [label, input, name, message] of cases) {
      const e = await awsError(() => create({ KeyId: k.KeyId!, ...input }));
      assert.equal(e.name, name, label);
      if (message) assert.match(e.message, message, label);
    }
    const eight = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'v']));
    await create({ KeyId: k.KeyId!, Constraints: { EncryptionContextEquals: eight } });
    for (const who of [ROOT, `arn:aws:sts::${ACCOUNT}:assumed-role/R/s`, `arn:aws:iam::${ACCOUNT}:role/path/to/R`, `arn:aws:sts::${ACCOUNT}:federated-user/f`]) {
      await create({ KeyId: k.KeyId!, GranteePrincipal: who });
    }
    const missingKey = await awsError(() => create({ KeyId: '11111111-2222-3333-4444-555555555555' }));
    assert.equal(missingKey.name, 'NotFoundException');
    const alias = await awsError(() => create({ KeyId: 'alias/aws/s3' }));
    assert.equal(alias.name, 'NotFoundException');
  });

  it('key states: CreateGrant refused for Disabled and PendingDeletion keys; listing, revoking and retiring still work', async () => {
    const k = await newKey();
    const g1 = await create({ KeyId: k.KeyId! });
    const g2 = await create({ KeyId: k.KeyId! });
    await h.kms.send(new DisableKeyCommand({ KeyId: k.KeyId }));
    const disabled = await awsError(() => create({ KeyId: k.KeyId! }));
    assert.equal(disabled.name, 'DisabledException');
    assert.equal(disabled.message, `${k.Arn} is disabled.`);
    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
    const pending = await awsError(() => create({ KeyId: k.KeyId! }));
    assert.equal(pending.name, 'KMSInvalidStateException');
    assert.equal(pending.message, `${k.Arn} is pending deletion.`);
    assert.deepEqual(await grantIds(k.KeyId!), [g1.GrantId, g2.GrantId]);
    await h.kms.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: g1.GrantId }));
    await h.kms.send(new RetireGrantCommand({ GrantToken: g2.GrantToken }));
    assert.deepEqual(await grantIds(k.KeyId!), []);
  });

  it('DryRun: reports success without creating, revoking or retiring; a failing request still fails', async () => {
    const k = await newKey();
    const dry = await awsError(() => create({ KeyId: k.KeyId!, DryRun: true }));
    assert.equal(dry.name, 'DryRunOperationException');
    assert.equal(dry.message, 'The request would have succeeded, but the DryRun option is set.');
    assert.deepEqual(await grantIds(k.KeyId!), []);
    const g = await create({ KeyId: k.KeyId!, Name: 'n' });
    const dryRetry = await awsError(() => create({ KeyId: k.KeyId!, Name: 'n', DryRun: true }));
    assert.equal(dryRetry.name, 'DryRunOperationException');
    const dryRevoke = await awsError(() => h.kms.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: g.GrantId, DryRun: true })));
    assert.equal(dryRevoke.name, 'DryRunOperationException');
    const dryRetire = await awsError(() => h.kms.send(new RetireGrantCommand({ GrantToken: g.GrantToken, DryRun: true })));
    assert.equal(dryRetire.name, 'DryRunOperationException');
    assert.deepEqual(await grantIds(k.KeyId!), [g.GrantId]);
    const dryInvalid = await awsError(() => create({ KeyId: k.KeyId!, Operations: ['Sign'], DryRun: true }));
    assert.equal(dryInvalid.name, 'ValidationException');
    const dryMissing = await awsError(() => h.kms.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: 'a'.repeat(64), DryRun: true })));
    assert.equal(dryMissing.name, 'NotFoundException');
  });
});
