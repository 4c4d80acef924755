import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand, DeleteBucketPolicyCommand, DeleteObjectCommand, GetBucketPolicyCommand, GetObjectCommand, ListBucketsCommand,
  ListObjectsV2Command, PutBucketPolicyCommand, PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { Harness, s3Client } from './harness.js';

/**
 * S3 authorization (S3 User Guide, "How Amazon S3 authorizes a request"): identity policies with
 * s3: actions and S3 ARNs, bucket policies with Principal, cross-account both-sides, explicit Deny,
 * condition keys — each denial as AccessDenied with AWS's message form.
 */
const ALPHA = '111111111111';
const BETA = '222222222222';
const ALPHA_ROOT = { accessKeyId: 'AKIAS3ALPHAROOT00001', secretAccessKey: 'alpha-root-secret' };
const doc = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const USERS: Array<[string, string, object[]]> = [
  [ALPHA, 'writer', [doc(
    { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::shared/*' },
    { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::shared', Condition: { StringLike: { 's3:prefix': 'public/*' } } },
  )]],
  [ALPHA, 'nobody', []],
  [ALPHA, 'reader', []],
  [ALPHA, 'admin', [doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' })]],
  [ALPHA, 'iamdeny', [doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/secret/*' })]],
  [BETA, 'bob', [doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' })]],
  [BETA, 'bobnone', []],
];
const akid = (i: number) => `AKIAS3TEST${String(i).padStart(10, '0')}`;
const keyOf = (name: string) => ({ accessKeyId: akid(USERS.findIndex((u) => u[1] === name) + 1), secretAccessKey: `${name}-secret` });
const SEED = {
  accounts: [ALPHA, BETA].map((id) => ({
    id,
    rootAccessKeys: id === ALPHA ? [ALPHA_ROOT] : [],
    users: USERS.filter((u) => u[0] === id).map(([, name, docs]) => ({
      name, accessKeys: [keyOf(name)], policies: docs.map((document, i) => ({ name: `p${i}`, document })),
    })),
  })),
};
const user = (account: string, name: string) => `arn:aws:iam::${account}:user/${name}`;

const BUCKET_POLICY = doc(
  { Sid: 'reader', Effect: 'Allow', Principal: { AWS: user(ALPHA, 'reader') }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' },
  { Sid: 'beta', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${BETA}:root` }, Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::shared/*' },
  { Sid: 'no deletes by admin', Effect: 'Deny', Principal: { AWS: user(ALPHA, 'admin') }, Action: 's3:DeleteObject', Resource: 'arn:aws:s3:::shared/*' },
  { Sid: 'tls only', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::shared/tls-only/*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
  { Sid: 'vpn only', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::shared/vpn/*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
  { Sid: 'not bob', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::shared/no-bob/*', Condition: { ArnEquals: { 'aws:PrincipalArn': user(BETA, 'bob') } } },
);

async function denial(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as S3ServiceException;
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  assert.fail('expected a denial');
}

describe('S3 authorization: identity policies, bucket policies, cross-account, conditions', () => {
  let h: Harness;
  let root: S3Client;
  const c = (name: string) => s3Client(h, keyOf(name));
  before(async () => {
    h = await Harness.start({ seed: SEED });
    root = s3Client(h, ALPHA_ROOT);
    await root.send(new CreateBucketCommand({ Bucket: 'shared' }));
    await root.send(new PutBucketPolicyCommand({ Bucket: 'shared', Policy: JSON.stringify(BUCKET_POLICY) }));
    for (const Key of ['public/a', 'secret/b', 'doc']) await root.send(new PutObjectCommand({ Bucket: 'shared', Key, Body: Key }));
  });
  after(() => h.stop());

  it('the bucket owner root may do anything; the policy reads back as put', async () => {
    const p = await root.send(new GetBucketPolicyCommand({ Bucket: 'shared' }));
    assert.deepEqual(JSON.parse(p.Policy!), BUCKET_POLICY);
    assert.equal((await root.send(new GetObjectCommand({ Bucket: 'shared', Key: 'doc' }))).$metadata.httpStatusCode, 200);
  });

  it('no identity policy and no bucket-policy grant: AccessDenied naming the action and the object ARN', async () => {
    const e = await denial(c('nobody').send(new PutObjectCommand({ Bucket: 'shared', Key: 'k', Body: 'x' })));
    assert.equal(e.name, 'AccessDenied');
    assert.equal(e.status, 403);
    assert.equal(e.message, `User: ${user(ALPHA, 'nobody')} is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::shared/k" because no identity-based policy allows the s3:PutObject action`);
    const list = await denial(c('nobody').send(new ListBucketsCommand({})));
    assert.match(list.message, /not authorized to perform: s3:ListAllMyBuckets/);
  });

  it('identity policy allows; s3:prefix condition limits ListBucket', async () => {
    await c('writer').send(new PutObjectCommand({ Bucket: 'shared', Key: 'w', Body: 'x' }));
    const ok = await c('writer').send(new ListObjectsV2Command({ Bucket: 'shared', Prefix: 'public/' }));
    assert.deepEqual(ok.Contents?.map((o) => o.Key), ['public/a']);
    const e = await denial(c('writer').send(new ListObjectsV2Command({ Bucket: 'shared', Prefix: 'secret/' })));
    assert.equal(e.message, `User: ${user(ALPHA, 'writer')} is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::shared" because no identity-based policy allows the s3:ListBucket action`);
  });

  it('a bucket policy naming the same-account user allows without any identity policy', async () => {
    const r = await c('reader').send(new GetObjectCommand({ Bucket: 'shared', Key: 'doc' }));
    assert.equal(await r.Body!.transformToString(), 'doc');
    assert.equal((await denial(c('reader').send(new PutObjectCommand({ Bucket: 'shared', Key: 'r', Body: 'x' })))).name, 'AccessDenied');
  });

  it('explicit Deny wins: in the bucket policy and in the identity policy', async () => {
    const e = await denial(c('admin').send(new DeleteObjectCommand({ Bucket: 'shared', Key: 'doc' })));
    assert.equal(e.message, `User: ${user(ALPHA, 'admin')} is not authorized to perform: s3:DeleteObject on resource: "arn:aws:s3:::shared/doc" with an explicit deny in a resource-based policy`);
    const i = await denial(c('iamdeny').send(new GetObjectCommand({ Bucket: 'shared', Key: 'secret/b' })));
    assert.match(i.message, /with an explicit deny in an identity-based policy$/);
    assert.equal((await c('iamdeny').send(new GetObjectCommand({ Bucket: 'shared', Key: 'doc' }))).$metadata.httpStatusCode, 200);
  });

  it('bucket names are global: another account creating an existing name gets BucketAlreadyExists', async () => {
    const e = await denial(c('bob').send(new CreateBucketCommand({ Bucket: 'shared' })));
    assert.deepEqual([e.name, e.status], ['BucketAlreadyExists', 409]);
  });

  it('cross-account needs both sides: bucket policy for the account AND the caller identity policy', async () => {
    const ok = await c('bob').send(new GetObjectCommand({ Bucket: 'shared', Key: 'doc' }));
    assert.equal(await ok.Body!.transformToString(), 'doc');
    const noIdentity = await denial(c('bobnone').send(new GetObjectCommand({ Bucket: 'shared', Key: 'doc' })));
    assert.match(noIdentity.message, /because no identity-based policy allows the s3:GetObject action$/);
    const noResource = await denial(c('bob').send(new ListObjectsV2Command({ Bucket: 'shared' })));
    assert.equal(noResource.message, `User: ${user(BETA, 'bob')} is not authorized to perform: s3:ListBucket on resource: "arn:aws:s3:::shared" because no resource-based policy allows the s3:ListBucket action`);
  });

  it('condition keys: aws:SecureTransport, aws:SourceIp, aws:PrincipalArn', async () => {
    assert.match((await denial(root.send(new GetObjectCommand({ Bucket: 'shared', Key: 'tls-only/x' })))).message, /explicit deny in a resource-based policy/);
    assert.match((await denial(c('admin').send(new PutObjectCommand({ Bucket: 'shared', Key: 'vpn/x', Body: 'x' })))).message, /explicit deny/);
    assert.match((await denial(c('bob').send(new PutObjectCommand({ Bucket: 'shared', Key: 'no-bob/x', Body: 'x' })))).message, /explicit deny/);
    await c('admin').send(new PutObjectCommand({ Bucket: 'shared', Key: 'no-bob/x', Body: 'x' }));
  });

  it('DeleteBucketPolicy removes the grants it gave', async () => {
    await root.send(new DeleteBucketPolicyCommand({ Bucket: 'shared' }));
    assert.equal((await denial(c('reader').send(new GetObjectCommand({ Bucket: 'shared', Key: 'doc' })))).name, 'AccessDenied');
    assert.equal((await denial(root.send(new GetBucketPolicyCommand({ Bucket: 'shared' })))).name, 'NoSuchBucketPolicy');
    const malformed = await denial(root.send(new PutBucketPolicyCommand({ Bucket: 'shared', Policy: '{"Statement":[{"Effect":"Allow"}]}' })));
    assert.deepEqual([malformed.name, malformed.status], ['MalformedPolicy', 400]);
  });
});
