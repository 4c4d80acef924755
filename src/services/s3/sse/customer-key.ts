/**
 * SSE-C: server-side encryption with a customer-provided key (S3 User Guide,
 * "Using server-side encryption with customer-provided keys (SSE-C)"). The key arrives in three
 * headers on every request that writes or reads the object; Locksmith never stores it. It keeps a
 * randomly salted keyed digest of the key (as S3 keeps "a randomly salted HMAC value of the
 * encryption key to validate future requests") and the object's data key wrapped under the
 * customer key, so only a request carrying the same key can decrypt.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AES_256_KEY_BYTES, GCM_IV_BYTES, GCM_TAG_BYTES, gcmOpen, gcmSeal } from '../../../crypto/aes-gcm.js';
import type { Random } from '../../../crypto/random.js';
import { AccessDenied } from '../../../errors/aws-error.js';
import { InvalidArgument, InvalidRequest, s3Error } from '../../../errors/s3-errors.js';

export const SSE_C_ALGORITHM = 'AES256';

/** The header names of one SSE-C triple: the object's own, or a copy source's. */
const HEADERS = {
  object: {
    algorithm: 'x-amz-server-side-encryption-customer-algorithm',
    key: 'x-amz-server-side-encryption-customer-key',
    md5: 'x-amz-server-side-encryption-customer-key-md5',
  },
  'copy-source': {
    algorithm: 'x-amz-copy-source-server-side-encryption-customer-algorithm',
    key: 'x-amz-copy-source-server-side-encryption-customer-key',
    md5: 'x-amz-copy-source-server-side-encryption-customer-key-md5',
  },
} as const;

export type CustomerKeyHeaders = keyof typeof HEADERS;

/** A validated customer key, in memory for one request only: callers `wipe()` it when done. */
export interface CustomerKey {
  algorithm: typeof SSE_C_ALGORITHM;
  key: Buffer;
  /** Base64 MD5 of the key, as the client sent it and as responses echo it. */
  keyMd5: string;
}

export function wipeCustomerKey(k: CustomerKey | undefined): void {
  k?.key.fill(0);
}

// Messages of S3's SSE-C input errors. Unverified: AWS's "Error responses" page no longer lists
// them; these are the texts S3 answers with as recorded by S3-compatible servers' conformance
// tests (MinIO cmd/api-errors.go, Ceph RGW rgw_crypt.cc) and the issue threads quoted there.
const MSG = {
  algorithmMissing: 'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.',
  algorithmInvalid: 'The Encryption request you specified is not valid. Supported value: AES256.',
  keyMissing: 'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.',
  keyInvalid: 'The secret key was invalid for the specified algorithm.',
  md5Missing: 'Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.',
  md5Mismatch: 'The calculated MD5 hash of the key did not match the hash that was provided.',
  // Unverified: the code; the brief and the S3 facts file say InvalidRequest, third-party tables InvalidArgument.
  insecure: 'Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection.',
  // S3's answer quoted in user reports (aws/aws-sdk-ruby#1302; confluentinc/kafka-connect-storage-cloud#389,
  // with its InvalidArgument code), as MinIO's ErrIncompatibleEncryptionMethod words it: "key", no final period.
  combined: 'Server Side Encryption with Customer provided key is incompatible with the encryption method specified',
} as const;

export const objectNeedsCustomerKey = () =>
  InvalidRequest('The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.');
export const customerKeyNotApplicable = () => InvalidRequest('The encryption parameters are not applicable to this object.');
/** A key that is not the object's: 403 (S3 User Guide, SSE-C; HEAD answers the same status with no body). */
export const customerKeyDenied = () => AccessDenied('Access Denied');
/** SSE-C writes to a bucket whose BlockedEncryptionTypes holds SSE-C (S3 User Guide, "Blocking or unblocking SSE-C"). */
// Unverified: the message text; AWS documents only "HTTP 403 AccessDenied".
export const customerKeyBlocked = () => AccessDenied('Access Denied: SSE-C is blocked for this bucket (BlockedEncryptionTypes).');

/** Whether any header of the triple is present (S3 reads SSE-C intent from any of them). */
export function hasCustomerKeyHeaders(headers: Record<string, string>, which: CustomerKeyHeaders = 'object'): boolean {
  const h = HEADERS[which];
  return headers[h.algorithm] !== undefined || headers[h.key] !== undefined || headers[h.md5] !== undefined;
}

function strictBase64(s: string): Buffer | undefined {
  const t = s.trim();
  if (t.length === 0 || t.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(t)) return undefined;
  return Buffer.from(t, 'base64');
}

/**
 * The customer key of a request, validated as S3 does, or undefined when none of the three
 * headers is present. HTTPS is required: S3 "rejects any requests made over HTTP when using SSE-C".
 */
export function parseCustomerKey(
  headers: Record<string, string>,
  opts: { secureTransport: boolean; which?: CustomerKeyHeaders },
): CustomerKey | undefined {
  const which = opts.which ?? 'object';
  if (!hasCustomerKeyHeaders(headers, which)) return undefined;
  const h = HEADERS[which];
  if (!opts.secureTransport) throw InvalidRequest(MSG.insecure);
  if (which === 'object' && headers['x-amz-server-side-encryption'] !== undefined) throw InvalidArgument(MSG.combined);
  const algorithm = headers[h.algorithm];
  if (algorithm === undefined || algorithm === '') throw InvalidArgument(MSG.algorithmMissing);
  if (algorithm !== SSE_C_ALGORITHM) throw s3Error('InvalidEncryptionAlgorithmError', MSG.algorithmInvalid);
  const keyText = headers[h.key];
  if (keyText === undefined || keyText === '') throw InvalidArgument(MSG.keyMissing);
  const key = strictBase64(keyText);
  if (!key || key.length !== AES_256_KEY_BYTES) {
    key?.fill(0);
    throw InvalidArgument(MSG.keyInvalid);
  }
  const md5Text = headers[h.md5];
  if (md5Text === undefined || md5Text === '') {
    key.fill(0);
    throw InvalidArgument(MSG.md5Missing);
  }
  const md5 = createHash('md5').update(key).digest();
  const given = strictBase64(md5Text);
  if (!given || given.length !== md5.length || !timingSafeEqual(given, md5)) {
    key.fill(0);
    throw InvalidArgument(MSG.md5Mismatch);
  }
  return { algorithm: SSE_C_ALGORITHM, key, keyMd5: md5.toString('base64') };
}

/** The root keyring's keyed digest (RootKeyring.keyedDigest): HMAC-SHA256 under a root-derived key. */
export interface KeyedDigester {
  keyedDigest(purpose: string, data: Buffer): Buffer;
}

const FINGERPRINT_PURPOSE = 's3-sse-c-key-fingerprint';
const SALT_BYTES = 16;
const WRAP_VERSION = 1;

/** What an SSE-C object (or multipart upload) records: never the key, only what recognises it. */
export interface CustomerKeyRecord {
  algorithm: typeof SSE_C_ALGORITHM;
  /** Base64 MD5 of the key, echoed in responses (S3 returns it on GET/HEAD). */
  keyMd5: string;
  /** Base64 random salt and keyed digest (HMAC under a root-derived key) of salt ‖ key. */
  salt: string;
  fingerprint: string;
  /** Base64: version (1) | IV (12) | tag (16) | the object's data key sealed under the customer key. */
  wrappedDataKey: string;
}

function fingerprintOf(keyring: KeyedDigester, salt: Buffer, key: Buffer): Buffer {
  return keyring.keyedDigest(FINGERPRINT_PURPOSE, Buffer.concat([salt, key]));
}

/** AAD binding the wrapped data key to the object it encrypts (bucket and key, length-prefixed). */
function wrapAad(bucket: string, objectKey: string): Buffer {
  const b = Buffer.from(bucket, 'utf8');
  const k = Buffer.from(objectKey, 'utf8');
  const len = (n: number) => {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(n);
    return out;
  };
  return Buffer.concat([Buffer.from('locksmith:s3:sse-c:v1\u0000'), len(b.length), b, len(k.length), k]);
}

/**
 * Seals a fresh object data key under the customer key. Returns the record to store and the
 * plaintext data key for this request's chunk encryption (the caller wipes it).
 */
export function sealForCustomer(
  customer: CustomerKey,
  object: { bucket: string; key: string },
  keyring: KeyedDigester,
  random: Random,
): { record: CustomerKeyRecord; dataKey: Buffer } {
  const dataKey = random.bytes(AES_256_KEY_BYTES);
  const salt = random.bytes(SALT_BYTES);
  const iv = random.bytes(GCM_IV_BYTES);
  const { ciphertext, tag } = gcmSeal(customer.key, iv, dataKey, wrapAad(object.bucket, object.key));
  return {
    record: {
      algorithm: SSE_C_ALGORITHM,
      keyMd5: customer.keyMd5,
      salt: salt.toString('base64'),
      fingerprint: fingerprintOf(keyring, salt, customer.key).toString('base64'),
      wrappedDataKey: Buffer.concat([Buffer.from([WRAP_VERSION]), iv, tag, ciphertext]).toString('base64'),
    },
    dataKey,
  };
}

/**
 * The object's data key, for a request that must read (or add parts to) an SSE-C object.
 * No key supplied → 400 InvalidRequest; another key → 403 AccessDenied, decided by comparing
 * keyed digests in constant time before the key is used at all. `object` must be where the data
 * key was sealed (a multipart upload's bucket and key).
 */
export function openForCustomer(
  record: CustomerKeyRecord,
  supplied: CustomerKey | undefined,
  object: { bucket: string; key: string },
  keyring: KeyedDigester,
): Buffer {
  if (!supplied) throw objectNeedsCustomerKey();
  const expected = Buffer.from(record.fingerprint, 'base64');
  const actual = fingerprintOf(keyring, Buffer.from(record.salt, 'base64'), supplied.key);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw customerKeyDenied();
  const blob = Buffer.from(record.wrappedDataKey, 'base64');
  const headerLen = 1 + GCM_IV_BYTES + GCM_TAG_BYTES;
  const dataKey = blob.length > headerLen && blob[0] === WRAP_VERSION
    ? gcmOpen(supplied.key, blob.subarray(1, 1 + GCM_IV_BYTES), blob.subarray(headerLen), blob.subarray(1 + GCM_IV_BYTES, headerLen), wrapAad(object.bucket, object.key))
    : undefined;
  // The fingerprint matched but the seal does not open: the record was tampered with or moved.
  if (!dataKey) throw customerKeyDenied();
  return dataKey;
}

/** Response headers S3 echoes for an SSE-C object: the algorithm and the key's MD5. */
export function customerKeyResponseHeaders(record: { algorithm: string; keyMd5: string }): Record<string, string> {
  return {
    'x-amz-server-side-encryption-customer-algorithm': record.algorithm,
    'x-amz-server-side-encryption-customer-key-md5': record.keyMd5,
  };
}

/**
 * The SSE-C rule of a read (GET, HEAD, UploadPart, copy source): the object's record and the
 * request's key must agree — key sent for a non-SSE-C object → 400, missing → 400, wrong → 403.
 * Returns the data key for an SSE-C object, undefined for any other.
 */
export function customerKeyForRead(
  record: CustomerKeyRecord | undefined,
  supplied: CustomerKey | undefined,
  object: { bucket: string; key: string },
  keyring: KeyedDigester,
): Buffer | undefined {
  if (!record) {
    if (supplied) throw customerKeyNotApplicable();
    return undefined;
  }
  return openForCustomer(record, supplied, object, keyring);
}
