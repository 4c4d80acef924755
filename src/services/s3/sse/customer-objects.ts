/**
 * SSE-C objects and uploads (customer-key.ts holds the header rules and the sealing): the data
 * key of a new object sealed under the request's customer key, and opened again only with the
 * same key. Writes are refused while the bucket blocks SSE-C (S3 User Guide, "Blocking or
 * unblocking SSE-C for a general purpose bucket": the default for new buckets since April 2026;
 * reads of existing SSE-C objects stay allowed).
 */
import { InvalidRequest, s3Error } from '../../../errors/s3-errors.js';
import { AwsError } from '../../../errors/aws-error.js';
import type { CallContext } from '../../../domain/call-context.js';
import type { S3Bucket, S3ObjectEncryption } from '../../../store/s3-ports.js';
import type { S3Call } from '../s3-call.js';
import type { BucketKeyCache } from './bucket-key-cache.js';
import {
  customerKeyBlocked, customerKeyForRead, parseCustomerKey, sealForCustomer, wipeCustomerKey,
  type CustomerKey, type CustomerKeyHeaders, type KeyedDigester,
} from './customer-key.js';
import type { KmsViaS3Deps } from './kms-via-s3.js';

/** The record's algorithm for an SSE-C object (no x-amz-server-side-encryption header is answered for it). */
export const SSE_C = 'SSE-C';

/** What the SSE seams need besides KMS: the root keyring's keyed digest (SSE-C) and the Bucket Key cache. */
export interface SseExtraDeps {
  keyring?: KeyedDigester;
  bucketKeys?: BucketKeyCache;
}

const keyringOf = (deps: SseExtraDeps): KeyedDigester => {
  // The composition root always passes it; without it SSE-C cannot recognise keys.
  if (!deps.keyring) throw s3Error('InternalError', 'We encountered an internal error. Please try again.');
  return deps.keyring;
};

/** The validated customer key of a request (its own headers or the copy source's), if it sends one. */
export function customerKeyOf(env: { call: Pick<S3Call, 'headers'>; ctx: Pick<CallContext, 'secureTransport'> }, which: CustomerKeyHeaders = 'object'): CustomerKey | undefined {
  return parseCustomerKey(env.call.headers, { secureTransport: env.ctx.secureTransport, which });
}

/** Whether the bucket refuses SSE-C writes: its BlockedEncryptionTypes, SSE-C when never set. */
export function blocksCustomerKeys(bucket: S3Bucket): boolean {
  const blocked = bucket.encryption?.blockedEncryptionTypes;
  return blocked === undefined ? true : blocked.includes('SSE-C');
}

interface Keys {
  record: S3ObjectEncryption;
  keys: Buffer[];
  wipe(): void;
}

/** Data key of a new SSE-C object (or upload) of `bucket`/`key`; the customer key is wiped here. */
export function newCustomerObjectKeys(deps: SseExtraDeps, ctx: Pick<CallContext, 'random'>, bucket: S3Bucket, key: string, customer: CustomerKey): Keys {
  try {
    if (blocksCustomerKeys(bucket)) throw customerKeyBlocked();
    const { record, dataKey } = sealForCustomer(customer, { bucket: bucket.name, key }, keyringOf(deps), ctx.random);
    return { record: { algorithm: SSE_C, encryptedDataKey: '', customerKey: record }, keys: [dataKey], wipe: () => dataKey.fill(0) };
  } finally {
    wipeCustomerKey(customer);
  }
}

/**
 * The SSE-C side of opening a stored object's (or upload's) keys: the data key when the record is
 * SSE-C (the request must carry the same key: missing 400, other 403), undefined for any other
 * record (a key sent for one is 400 "not applicable"). The customer key is wiped here.
 */
export function openCustomerObjectKeys(deps: SseExtraDeps, bucket: S3Bucket, key: string, record: S3ObjectEncryption | undefined, customer: CustomerKey | undefined): Keys | undefined {
  try {
    if (!record?.customerKey && !customer) return undefined;
    const dataKey = customerKeyForRead(record?.customerKey, customer, { bucket: bucket.name, key }, record?.customerKey ? keyringOf(deps) : { keyedDigest: () => Buffer.alloc(0) });
    if (!dataKey) return undefined;
    return { record: record!, keys: [dataKey], wipe: () => dataKey.fill(0) };
  } finally {
    wipeCustomerKey(customer);
  }
}

// Unverified: S3's texts for a part of an SSE-C upload sent without the key or with another one
// (s3-sse-facts.md §4 gives 400 InvalidRequest for both; the texts are those S3-compatible servers answer).
const partNeedsCustomerKey = () =>
  InvalidRequest('The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.');
const partKeyMismatch = () => InvalidRequest('The provided encryption parameters did not match the ones used originally.');

/** The data key of an SSE-C multipart upload for one part: the upload's key, else 400 InvalidRequest. */
export function openCustomerPartKeys(deps: SseExtraDeps, bucket: S3Bucket, key: string, record: S3ObjectEncryption, customer: CustomerKey | undefined): Keys {
  if (!customer) throw partNeedsCustomerKey();
  try {
    return openCustomerObjectKeys(deps, bucket, key, record, customer)!;
  } catch (e) {
    if (e instanceof AwsError && e.code === 'AccessDenied') throw partKeyMismatch();
    throw e;
  }
}

/** HEAD of an object: the same key rules as GET, without reading a byte. */
export function checkCustomerKeyForHead(deps: SseExtraDeps, bucket: S3Bucket, key: string, record: S3ObjectEncryption | undefined, customer: CustomerKey | undefined): void {
  openCustomerObjectKeys(deps, bucket, key, record, customer)?.wipe();
}

export type SseDeps = KmsViaS3Deps & SseExtraDeps;
