import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { effectiveSse, refuseSseHeaders, requestedSse } from '../../src/services/s3/sse/sse-settings.js';
import { bucketEncryptionXml, parseBucketEncryption } from '../../src/services/s3/sse/bucket-encryption-xml.js';
import type { S3Bucket } from '../../src/store/s3-ports.js';

const bucket = (encryption?: S3Bucket['encryption']): S3Bucket => ({ name: 'b', account: '111111111111', region: 'us-east-1', createdAt: new Date(0), ...(encryption ? { encryption } : {}) });
const ctx = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'none';
};

describe('S3 SSE request settings', () => {
  it('no headers: the bucket default, SSE-S3 when it has none', () => {
    assert.deepEqual(effectiveSse({}, bucket()), { algorithm: 'AES256', bucketKeyEnabled: false });
    assert.deepEqual(effectiveSse({}, bucket({ sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'alias/k', bucketKeyEnabled: true })), { algorithm: 'aws:kms', kmsKeyId: 'alias/k', bucketKeyEnabled: true });
  });
  it('headers override the default; the bucket-key header alone overrides only BucketKeyEnabled; DSSE never uses bucket keys', () => {
    const def = bucket({ sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'alias/k', bucketKeyEnabled: true });
    assert.equal(effectiveSse({ 'x-amz-server-side-encryption': 'AES256' }, def).algorithm, 'AES256');
    assert.equal(effectiveSse({ 'x-amz-server-side-encryption': 'aws:kms' }, def).kmsKeyId, undefined, 'aws:kms without a key id is aws/s3, not the default key');
    assert.equal(effectiveSse({ 'x-amz-server-side-encryption-bucket-key-enabled': 'false' }, def).bucketKeyEnabled, false);
    assert.equal(effectiveSse({ 'x-amz-server-side-encryption': 'aws:kms:dsse', 'x-amz-server-side-encryption-bucket-key-enabled': 'true' }, def).bucketKeyEnabled, false);
  });
  it('context: base64 JSON object of strings', () => {
    assert.deepEqual(requestedSse({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-context': ctx({ a: 'b' }) })?.callerContext, { a: 'b' });
    for (const bad of [ctx([1]), ctx({ a: 1 }), ctx('s'), 'not base64!', Buffer.from('{').toString('base64')]) {
      assert.equal(code(() => requestedSse({ 'x-amz-server-side-encryption': 'aws:kms', 'x-amz-server-side-encryption-context': bad })), 'InvalidArgument', bad);
    }
  });
  it('a key id or context without aws:kms, an unknown algorithm, a bad bucket-key value: InvalidArgument', () => {
    assert.equal(code(() => requestedSse({ 'x-amz-server-side-encryption-aws-kms-key-id': 'k' })), 'InvalidArgument');
    assert.equal(code(() => requestedSse({ 'x-amz-server-side-encryption': 'AES256', 'x-amz-server-side-encryption-aws-kms-key-id': 'k' })), 'InvalidArgument');
    assert.equal(code(() => requestedSse({ 'x-amz-server-side-encryption': 'aws:fsx' })), 'InvalidArgument');
    assert.equal(code(() => effectiveSse({ 'x-amz-server-side-encryption-bucket-key-enabled': 'yes' }, bucket())), 'InvalidArgument');
    assert.equal(code(() => refuseSseHeaders({ 'x-amz-server-side-encryption': 'AES256' })), 'InvalidArgument');
    assert.equal(code(() => refuseSseHeaders({})), 'none');
  });
});

describe('ServerSideEncryptionConfiguration documents', () => {
  const doc = (rules: string) => Buffer.from(`<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${rules}</ServerSideEncryptionConfiguration>`);
  const rule = (inner: string) => `<Rule>${inner}</Rule>`;
  it('one rule round-trips through GetBucketEncryption\'s document', () => {
    const parsed = parseBucketEncryption(doc(rule('<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/x</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled>')));
    assert.deepEqual(parsed, { sseAlgorithm: 'aws:kms', kmsMasterKeyId: 'alias/x', bucketKeyEnabled: true });
    // A rule that never set BlockedEncryptionTypes reports what the bucket enforces: SSE-C blocked (since April 2026).
    assert.deepEqual(parseBucketEncryption(Buffer.from(bucketEncryptionXml(parsed))), { ...parsed, blockedEncryptionTypes: ['SSE-C'] });
    const unblocked = { ...parsed, blockedEncryptionTypes: ['NONE'] };
    assert.deepEqual(parseBucketEncryption(Buffer.from(bucketEncryptionXml(unblocked))), unblocked);
    assert.match(bucketEncryptionXml(undefined), /<SSEAlgorithm>AES256<\/SSEAlgorithm><\/ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false<\/BucketKeyEnabled><BlockedEncryptionTypes><EncryptionType>SSE-C<\/EncryptionType><\/BlockedEncryptionTypes>/);
  });
  it('zero or two rules, no default, an unknown algorithm, a bad blocked type: MalformedXML; a key id with AES256: InvalidArgument', () => {
    const aes = '<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>';
    assert.equal(code(() => parseBucketEncryption(doc(''))), 'MalformedXML');
    assert.equal(code(() => parseBucketEncryption(doc(rule(aes) + rule(aes)))), 'MalformedXML');
    assert.equal(code(() => parseBucketEncryption(doc(rule('<BucketKeyEnabled>true</BucketKeyEnabled>')))), 'MalformedXML');
    assert.equal(code(() => parseBucketEncryption(doc(rule('<ApplyServerSideEncryptionByDefault><SSEAlgorithm>DES</SSEAlgorithm></ApplyServerSideEncryptionByDefault>')))), 'MalformedXML');
    assert.equal(code(() => parseBucketEncryption(doc(rule(`${aes}<BlockedEncryptionTypes><EncryptionType>SSE-X</EncryptionType></BlockedEncryptionTypes>`)))), 'MalformedXML');
    assert.equal(code(() => parseBucketEncryption(doc(rule('<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>')))), 'InvalidArgument');
    assert.deepEqual(parseBucketEncryption(doc(rule(`${aes}<BlockedEncryptionTypes><EncryptionType>SSE-C</EncryptionType></BlockedEncryptionTypes>`))).blockedEncryptionTypes, ['SSE-C']);
  });
});
