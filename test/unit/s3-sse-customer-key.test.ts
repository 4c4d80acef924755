import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import { secureRandom } from '../../src/crypto/random.js';
import { AwsError } from '../../src/errors/aws-error.js';
import {
  customerKeyForRead,
  customerKeyResponseHeaders,
  hasCustomerKeyHeaders,
  openForCustomer,
  parseCustomerKey,
  sealForCustomer,
} from '../../src/services/s3/sse/customer-key.js';

const KEY = Buffer.alloc(32, 7);
const OTHER = Buffer.alloc(32, 8);
const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');
const headersFor = (key: Buffer, prefix = 'x-amz-server-side-encryption-customer') => ({
  [`${prefix}-algorithm`]: 'AES256',
  [`${prefix}-key`]: key.toString('base64'),
  [`${prefix}-key-md5`]: md5(key),
});
const keyring = RootKeyring.fromBytes(Buffer.alloc(32, 1), secureRandom);
const OBJ = { bucket: 'b1', key: 'k/1' };

function rejects(fn: () => unknown, code: string, message: RegExp | string, status?: number) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof AwsError, String(e));
    assert.equal(e.code, code);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    if (status !== undefined) assert.equal(e.status, status);
    return true;
  });
}

describe('SSE-C headers', () => {
  it('absent headers mean no SSE-C', () => {
    assert.equal(parseCustomerKey({}, { secureTransport: false }), undefined);
    assert.equal(hasCustomerKeyHeaders({ 'x-amz-server-side-encryption': 'AES256' }), false);
  });

  it('accepts a valid triple over HTTPS and reports the key MD5', () => {
    const k = parseCustomerKey(headersFor(KEY), { secureTransport: true });
    assert.ok(k);
    assert.deepEqual(k.key, KEY);
    assert.equal(k.keyMd5, md5(KEY));
    assert.deepEqual(customerKeyResponseHeaders(k), {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key-md5': md5(KEY),
    });
  });

  it('reads the copy-source triple separately', () => {
    const h = headersFor(KEY, 'x-amz-copy-source-server-side-encryption-customer');
    assert.equal(parseCustomerKey(h, { secureTransport: true }), undefined);
    assert.deepEqual(parseCustomerKey(h, { secureTransport: true, which: 'copy-source' })?.key, KEY);
  });

  it('refuses SSE-C over plain HTTP', () => {
    rejects(() => parseCustomerKey(headersFor(KEY), { secureTransport: false }), 'InvalidRequest', /must be made over a secure connection/, 400);
  });

  it('answers each malformed triple with S3 errors', () => {
    const h = headersFor(KEY);
    const without = (name: string) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== name));
    const opts = { secureTransport: true };
    rejects(() => parseCustomerKey(without('x-amz-server-side-encryption-customer-algorithm'), opts), 'InvalidArgument', /must provide a valid encryption algorithm\.$/);
    rejects(() => parseCustomerKey({ ...h, 'x-amz-server-side-encryption-customer-algorithm': 'AES128' }, opts), 'InvalidEncryptionAlgorithmError', /Supported value: AES256/, 400);
    rejects(() => parseCustomerKey(without('x-amz-server-side-encryption-customer-key'), opts), 'InvalidArgument', /must provide an appropriate secret key\.$/);
    rejects(() => parseCustomerKey({ ...h, 'x-amz-server-side-encryption-customer-key': Buffer.alloc(16).toString('base64') }, opts), 'InvalidArgument', 'The secret key was invalid for the specified algorithm.');
    rejects(() => parseCustomerKey({ ...h, 'x-amz-server-side-encryption-customer-key': 'not base64!' }, opts), 'InvalidArgument', 'The secret key was invalid for the specified algorithm.');
    rejects(() => parseCustomerKey(without('x-amz-server-side-encryption-customer-key-md5'), opts), 'InvalidArgument', /client calculated MD5 of the secret key\.$/);
    rejects(() => parseCustomerKey({ ...h, 'x-amz-server-side-encryption-customer-key-md5': md5(OTHER) }, opts), 'InvalidArgument', 'The calculated MD5 hash of the key did not match the hash that was provided.');
    rejects(() => parseCustomerKey({ ...h, 'x-amz-server-side-encryption': 'AES256' }, opts), 'InvalidArgument', /./);
  });
});

describe('SSE-C seal / open', () => {
  const customer = () => parseCustomerKey(headersFor(KEY), { secureTransport: true })!;
  const wrong = () => parseCustomerKey(headersFor(OTHER), { secureTransport: true })!;

  it('never stores the key, and recognises only the same key', () => {
    const { record, dataKey } = sealForCustomer(customer(), OBJ, keyring, secureRandom);
    const stored = JSON.stringify(record);
    assert.ok(!stored.includes(KEY.toString('base64')) && !stored.includes(KEY.toString('hex')));
    assert.deepEqual(openForCustomer(record, customer(), OBJ, keyring), dataKey);
    rejects(() => openForCustomer(record, wrong(), OBJ, keyring), 'AccessDenied', /Access Denied/, 403);
    rejects(() => openForCustomer(record, undefined, OBJ, keyring), 'InvalidRequest', /correct parameters must be provided to retrieve the object/, 400);
  });

  it('salts each fingerprint: two objects under one key record different digests', () => {
    const a = sealForCustomer(customer(), OBJ, keyring, secureRandom).record;
    const b = sealForCustomer(customer(), OBJ, keyring, secureRandom).record;
    assert.notEqual(a.fingerprint, b.fingerprint);
    assert.notEqual(a.wrappedDataKey, b.wrappedDataKey);
  });

  it('a fingerprint made under another root key does not match', () => {
    const { record } = sealForCustomer(customer(), OBJ, keyring, secureRandom);
    const otherRoot = RootKeyring.fromBytes(Buffer.alloc(32, 2), secureRandom);
    rejects(() => openForCustomer(record, customer(), OBJ, otherRoot), 'AccessDenied', /./, 403);
  });

  it('a record moved to another object does not open', () => {
    const { record } = sealForCustomer(customer(), OBJ, keyring, secureRandom);
    rejects(() => openForCustomer(record, customer(), { bucket: 'b1', key: 'k/2' }, keyring), 'AccessDenied', /./, 403);
  });

  it('key headers on an object without SSE-C are not applicable; none is fine', () => {
    rejects(() => customerKeyForRead(undefined, customer(), OBJ, keyring), 'InvalidRequest', 'The encryption parameters are not applicable to this object.');
    assert.equal(customerKeyForRead(undefined, undefined, OBJ, keyring), undefined);
  });
});
