import {
  CreateGrantCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  KMSClient,
  ReEncryptCommand,
  RevokeGrantCommand,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awsError, Harness } from './harness.js';

/**
 * The authorization matrix (issue: "Authorization as AWS does it"): each cryptographic
 * operation × each way AWS allows or denies, with the exact AccessDeniedException form.
 */
const ALPHA = '111111111111';
const BETA = '222222222222';
const K_DELEGATE = '0aaaaaaa-1111-4222-8333-444444444444';
const K_NODELEGATE = '0bbbbbbb-1111-4222-8333-444444444444';
const arn = (account: string, keyId: string) => `arn:aws:kms:us-east-1:${account}:key/${keyId}`;
const user = (account: string, name: string) => `arn:aws:iam::${account}:user/${name}`;
const allowAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] };
const denyAll = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kms:*', Resource: '*' }] };
const secret = (name: string) => `${name}-secret-key`;
const akid = (n: number) => `AKIATEST${String(n).padStart(12, '0')}`;

const USERS: [string, string, object[]][] = [
  [ALPHA, 'admin', [allowAll]],
  [ALPHA, 'nobody', []],
  [ALPHA, 'iamonly', [allowAll]],
  [ALPHA, 'keyuser', []],
  [ALPHA, 'deniedbykey', [allowAll]],
  [ALPHA, 'iamdeny', [denyAll]],
  [ALPHA, 'grantee', []],
  [BETA, 'bobboth', [allowAll]],
  [BETA, 'bobnone', []],
];
const ALPHA_ROOT = { accessKeyId: 'AKIAALPHAROOT0000001', secretAccessKey: 'alpha-root-secret' };
const keyOf = (name: string) => ({ accessKeyId: akid(USERS.findIndex((u) => u[1] === name) + 1), secretAccessKey: secret(name) });

const delegatePolicy = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALPHA}:root` }, Action: 'kms:*', Resource: '*' },
    { Sid: 'Key user', Effect: 'Allow', Principal: { AWS: [user(ALPHA, 'keyuser'), user(ALPHA, 'iamdeny')] }, Action: 'kms:*', Resource: '*' },
    { Sid: 'Other account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${BETA}:root` }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey', 'kms:DisableKey'], Resource: '*' },
    { Sid: 'Deny one', Effect: 'Deny', Principal: { AWS: user(ALPHA, 'deniedbykey') }, Action: 'kms:*', Resource: '*' },
  ],
};
const noDelegatePolicy = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Admin only', Effect: 'Allow', Principal: { AWS: user(ALPHA, 'admin') }, Action: 'kms:*', Resource: '*' }],
};

export const AUTHZ_SEED = {
  accounts: [ALPHA, BETA].map((id) => ({
    id,
    rootAccessKeys: id === ALPHA ? [ALPHA_ROOT] : [],
    users: USERS.filter((u) => u[0] === id).map(([, name, docs]) => ({
      name,
      accessKeys: [{ accessKeyId: keyOf(name).accessKeyId, secretAccessKey: secret(name) }],
      policies: docs.map((document, i) => ({ name: `p${i}`, document })),
    })),
    keys:
      id === ALPHA
        ? [
            { id: K_DELEGATE, region: 'us-east-1', description: 'delegating key', policy: delegatePolicy },
            { id: K_NODELEGATE, region: 'us-east-1', description: 'non-delegating key', policy: noDelegatePolicy },
          ]
        : [],
  })),
};

type Op = (c: KMSClient, keyId: string, blob: Uint8Array) => Promise<unknown>;
const OPS: [string, string, Op][] = [
  ['Encrypt', 'kms:Encrypt', (c, KeyId) => c.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }))],
  ['Decrypt', 'kms:Decrypt', (c, KeyId, CiphertextBlob) => c.send(new DecryptCommand({ KeyId, CiphertextBlob }))],
  ['ReEncrypt', 'kms:ReEncrypt(To|From)', (c, KeyId, CiphertextBlob) => c.send(new ReEncryptCommand({ CiphertextBlob, SourceKeyId: KeyId, DestinationKeyId: KeyId }))],
  ['GenerateDataKey', 'kms:GenerateDataKey', (c, KeyId) => c.send(new GenerateDataKeyCommand({ KeyId, KeySpec: 'AES_256' }))],
  ['GenerateDataKeyWithoutPlaintext', 'kms:GenerateDataKeyWithoutPlaintext', (c, KeyId) => c.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId, KeySpec: 'AES_256' }))],
  ['DescribeKey', 'kms:DescribeKey', (c, KeyId) => c.send(new DescribeKeyCommand({ KeyId }))],
];

type Expect = 'allow' | 'noIdentity' | 'noResource' | 'denyResource' | 'denyIdentity';
const MATRIX: [string, string, string, Expect][] = [
  ['no IAM policy, key policy delegates', 'nobody', K_DELEGATE, 'noIdentity'],
  ['IAM allow only (no delegation in the key policy)', 'iamonly', K_NODELEGATE, 'noResource'],
  ['key policy names the principal', 'keyuser', K_DELEGATE, 'allow'],
  ['delegation + IAM allow', 'iamonly', K_DELEGATE, 'allow'],
  ['explicit deny in the key policy', 'deniedbykey', K_DELEGATE, 'denyResource'],
  ['explicit deny in IAM', 'iamdeny', K_DELEGATE, 'denyIdentity'],
  ['cross-account, only the key policy allows', 'bobnone', K_DELEGATE, 'noIdentity'],
  ['cross-account, only IAM allows', 'bobboth', K_NODELEGATE, 'noResource'],
  ['cross-account, both allow', 'bobboth', K_DELEGATE, 'allow'],
];

function expectedMessage(principal: string, action: string, keyArn: string, e: Expect): RegExp {
  const head = `User: ${principal} is not authorized to perform: ${action} on resource: ${keyArn.replace(/[.]/g, '\\.')}`;
  const tail = {
    noIdentity: ` because no identity-based policy allows the ${action} action`,
    noResource: ` because no resource-based policy allows the ${action} action`,
    denyResource: ' with an explicit deny in a resource-based policy',
    denyIdentity: ' with an explicit deny in an identity-based policy',
    allow: '',
  }[e];
  return new RegExp(`^${head}${tail}$`);
}

describe('authorization matrix: key policies, IAM policies, grants, cross-account', () => {
  let h: Harness;
  const blobs: Record<string, Uint8Array> = {};
  const clients: Record<string, KMSClient> = {};
  before(async () => {
    h = await Harness.start({ seed: AUTHZ_SEED });
    for (const [, name] of USERS) clients[name] = h.client(keyOf(name));
    blobs[K_DELEGATE] = (await clients.iamonly.send(new EncryptCommand({ KeyId: K_DELEGATE, Plaintext: Buffer.from('d') }))).CiphertextBlob!;
    blobs[K_NODELEGATE] = (await clients.admin.send(new EncryptCommand({ KeyId: K_NODELEGATE, Plaintext: Buffer.from('n') }))).CiphertextBlob!;
  });
  after(async () => {
    for (const c of Object.values(clients)) c.destroy();
    await h.stop();
  });

  for (const [label, name, keyId, expect] of MATRIX) {
    for (const [opName, action, op] of OPS) {
      it(`${opName} — ${label}: ${expect}`, async () => {
        const account = USERS.find((u) => u[1] === name)![0];
        const keyRef = account === ALPHA ? keyId : arn(ALPHA, keyId);
        if (expect === 'allow') {
          await op(clients[name], keyRef, blobs[keyId]);
          return;
        }
        const e = await awsError(() => op(clients[name], keyRef, blobs[keyId]));
        assert.equal(e.name, 'AccessDeniedException');
        assert.equal(e.status, 400);
        assert.match(e.message, expectedMessage(user(account, name), action, arn(ALPHA, keyId), expect));
      });
    }
  }

  it('the account root is refused by a key policy that does not name it', async () => {
    const root = h.client(ALPHA_ROOT);
    const e = await awsError(() => root.send(new DescribeKeyCommand({ KeyId: K_NODELEGATE })));
    assert.equal(e.name, 'AccessDeniedException');
    assert.match(e.message, expectedMessage(`arn:aws:iam::${ALPHA}:root`, 'kms:DescribeKey', arn(ALPHA, K_NODELEGATE), 'noResource'));
    await root.send(new DescribeKeyCommand({ KeyId: K_DELEGATE }));
    root.destroy();
  });

  it('a non-cross-account operation tried cross-account is refused even when the key policy allows it', async () => {
    const e = await awsError(() => clients.bobboth.send(new DisableKeyCommand({ KeyId: arn(ALPHA, K_DELEGATE) })));
    assert.equal(e.name, 'AccessDeniedException');
    assert.match(e.message, expectedMessage(user(BETA, 'bobboth'), 'kms:DisableKey', arn(ALPHA, K_DELEGATE), 'noResource'));
  });

  it('grants: allow the grantee, enforce EncryptionContextSubset, stop working once revoked; the grant token works at once', async () => {
    const ctx = { tenant: 'blue', extra: 'x' };
    const before = await awsError(() => clients.grantee.send(new EncryptCommand({ KeyId: K_DELEGATE, Plaintext: Buffer.from('g'), EncryptionContext: ctx })));
    assert.equal(before.name, 'AccessDeniedException');
    const grant = await clients.admin.send(new CreateGrantCommand({
      KeyId: K_DELEGATE,
      GranteePrincipal: user(ALPHA, 'grantee'),
      Operations: ['Encrypt', 'Decrypt'],
      Constraints: { EncryptionContextSubset: { tenant: 'blue' } },
    }));
    const enc = await clients.grantee.send(new EncryptCommand({ KeyId: K_DELEGATE, Plaintext: Buffer.from('g'), EncryptionContext: ctx, GrantTokens: [grant.GrantToken!] }));
    const dec = await clients.grantee.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ctx }));
    assert.equal(Buffer.from(dec.Plaintext!).toString(), 'g');
    const wrongCtx = await awsError(() => clients.grantee.send(new EncryptCommand({ KeyId: K_DELEGATE, Plaintext: Buffer.from('g'), EncryptionContext: { tenant: 'red' } })));
    assert.equal(wrongCtx.name, 'AccessDeniedException');
    const notGranted = await awsError(() => clients.grantee.send(new GenerateDataKeyCommand({ KeyId: K_DELEGATE, KeySpec: 'AES_256', EncryptionContext: ctx })));
    assert.equal(notGranted.name, 'AccessDeniedException');
    await clients.admin.send(new RevokeGrantCommand({ KeyId: K_DELEGATE, GrantId: grant.GrantId }));
    const revoked = await awsError(() => clients.grantee.send(new EncryptCommand({ KeyId: K_DELEGATE, Plaintext: Buffer.from('g'), EncryptionContext: ctx })));
    assert.equal(revoked.name, 'AccessDeniedException');
  });
});
