/**
 * Per-object data keys: made for a new object (or multipart upload) under the settings it asked
 * for, and opened again for reads, parts and copies. The plaintext keys live only in memory for
 * the request; the caller wipes them (ObjectKeys.wipe).
 *
 * - SSE-S3 (AES256): a random data key sealed under S3's AWS owned key (KMS Developer Guide, "AWS
 *   owned keys"), bound to the bucket owner's account and the object ARN; no KMS permission involved.
 * - SSE-KMS (aws:kms): GenerateDataKey as the caller, context {"aws:s3:arn": object ARN} plus the
 *   caller's pairs; Decrypt as the caller on use (S3 User Guide, "Using SSE-KMS").
 * - DSSE-KMS (aws:kms:dsse): the KMS data key and an independent S3-managed key: two layers of
 *   AES-256-GCM per chunk (S3 User Guide, "Using dual-layer server-side encryption").
 */
import type { CallContext } from '../../../domain/call-context.js';
import { s3Error } from '../../../errors/s3-errors.js';
import type { S3Bucket, S3ObjectEncryption } from '../../../store/s3-ports.js';
import { ensureAwsManagedKey } from '../../kms/aws-managed-keys.js';
import { awsOwnedKey } from '../../kms/aws-owned-key.js';
import { objectArn } from '../authorize.js';
import { decryptViaS3, generateDataKeyViaS3, type KmsViaS3Deps } from './kms-via-s3.js';
import { BucketKeyCache } from './bucket-key-cache.js';
import { bucketKeyForRead, bucketKeyForWrite } from './bucket-key-kms.js';
import { customerKeyResponseHeaders, type CustomerKey } from './customer-key.js';
import { newCustomerObjectKeys, openCustomerObjectKeys, type SseExtraDeps } from './customer-objects.js';
import type { SseSettings } from './sse-settings.js';

/** The AWS managed key S3 uses when aws:kms names no key (S3 API Reference, PutObject). */
export const AWS_MANAGED_S3_ALIAS = 'alias/aws/s3';

export interface ObjectKeys {
  record: S3ObjectEncryption;
  /** Layer keys, innermost first (object-chunks.ts). */
  keys: Buffer[];
  wipe(): void;
}

const keysOf = (record: S3ObjectEncryption, keys: Buffer[]): ObjectKeys => ({ record, keys, wipe: () => keys.forEach((k) => k.fill(0)) });

async function ownedKey(deps: KmsViaS3Deps, ctx: CallContext, bucket: S3Bucket) {
  return awsOwnedKey(deps.kms, 's3', { region: bucket.region, clock: ctx.clock, random: ctx.random });
}

/** An internal fault: S3's own sealed metadata did not open (the root key or the row changed). */
const storedKeyUnreadable = () => s3Error('InternalError', 'We encountered an internal error. Please try again.');

/**
 * The AWS managed key aws/s3 of the bucket owner's account and Region (s3-sse-facts.md §1): named by
 * its alias for the owner's own calls; another account's caller gets the owner's key ARN, whose
 * policy (kms:CallerAccount = owner) refuses it, as AWS refuses cross-account use of aws/s3.
 */
async function managedKeyOf(deps: KmsViaS3Deps, ctx: CallContext, bucket: S3Bucket): Promise<string> {
  if (bucket.account === ctx.account) return AWS_MANAGED_S3_ALIAS;
  return (await ensureAwsManagedKey(deps.kms, { account: bucket.account, region: bucket.region, clock: ctx.clock, random: ctx.random }, 's3')).arn;
}

/** The Bucket Key cache of the composition root; without one (a bare S3Service), every use asks KMS. */
const bucketKeysOf = (deps: SseExtraDeps, ctx: CallContext) => deps.bucketKeys ?? new BucketKeyCache({ clock: ctx.clock, ttlMs: 0 });

/**
 * Data keys for a new object (or upload) of `bucket`/`key` under `settings`, or under the
 * request's SSE-C key when it sent one (customer-objects.ts).
 */
export async function newObjectKeys(deps: KmsViaS3Deps & SseExtraDeps, ctx: CallContext, bucket: S3Bucket, key: string, settings: SseSettings, customer?: CustomerKey): Promise<ObjectKeys> {
  if (customer) return newCustomerObjectKeys(deps, ctx, bucket, key, customer);
  const arn = objectArn(bucket.name, key);
  const bound = { 'aws:s3:arn': arn };
  if (settings.algorithm === 'AES256') {
    const dataKey = ctx.random.bytes(32);
    const sealed = await (await ownedKey(deps, ctx, bucket)).seal(bucket.account, dataKey, bound);
    return keysOf({ algorithm: 'AES256', encryptedDataKey: sealed.toString('base64') }, [dataKey]);
  }
  if (settings.algorithm === 'aws:kms' && settings.bucketKeyEnabled) {
    // S3 Bucket Key: the object's key derived from a cached bucket-level key (bucket-key-kms.ts).
    const bk = await bucketKeyForWrite({ ...deps, bucketKeys: bucketKeysOf(deps, ctx) }, ctx, bucket, key, settings.kmsKeyId ?? (await managedKeyOf(deps, ctx, bucket)), settings.callerContext);
    return keysOf({
      algorithm: 'aws:kms', encryptedDataKey: bk.encryptedBucketKey, kmsKeyArn: bk.keyArn, context: bk.context, bucketKeyEnabled: true, bucketKeySalt: bk.salt,
    }, [bk.dataKey]);
  }
  // S3 adds aws:s3:arn to the caller's context; the caller cannot replace it.
  const context = { ...settings.callerContext, ...bound };
  const dk = await generateDataKeyViaS3(deps, ctx, bucket.region, settings.kmsKeyId ?? (await managedKeyOf(deps, ctx, bucket)), context);
  const record: S3ObjectEncryption = {
    algorithm: settings.algorithm, encryptedDataKey: dk.ciphertextBlob.toString('base64'), kmsKeyArn: dk.keyArn, context, bucketKeyEnabled: settings.bucketKeyEnabled,
  };
  if (settings.algorithm === 'aws:kms') return keysOf(record, [dk.plaintext]);
  const second = ctx.random.bytes(32);
  try {
    record.secondLayerKey = (await (await ownedKey(deps, ctx, bucket)).seal(bucket.account, second, bound)).toString('base64');
  } catch (e) {
    dk.plaintext.fill(0);
    second.fill(0);
    throw e;
  }
  return keysOf(record, [dk.plaintext, second]);
}

/** The plaintext keys of a stored object or upload, opened as the caller (Decrypt for SSE-KMS). */
export async function openObjectKeys(deps: KmsViaS3Deps & SseExtraDeps, ctx: CallContext, bucket: S3Bucket, key: string, record: S3ObjectEncryption, customer?: CustomerKey): Promise<ObjectKeys> {
  const ssec = openCustomerObjectKeys(deps, bucket, key, record, customer);
  if (ssec) return ssec;
  if (record.bucketKeySalt !== undefined) {
    const dataKey = await bucketKeyForRead({ ...deps, bucketKeys: bucketKeysOf(deps, ctx) }, ctx, bucket, key, { ...record, bucketKeySalt: record.bucketKeySalt });
    return keysOf(record, [dataKey]);
  }
  const bound = { 'aws:s3:arn': objectArn(bucket.name, key) };
  const unsealOwned = async (blob: string) => {
    const plain = await (await ownedKey(deps, ctx, bucket)).unseal(bucket.account, Buffer.from(blob, 'base64'), bound);
    if (!plain) throw storedKeyUnreadable();
    return plain;
  };
  if (record.algorithm === 'AES256') return keysOf(record, [await unsealOwned(record.encryptedDataKey)]);
  if (record.algorithm !== 'aws:kms' && record.algorithm !== 'aws:kms:dsse') throw storedKeyUnreadable();
  const dk = await decryptViaS3(deps, ctx, bucket.region, Buffer.from(record.encryptedDataKey, 'base64'), record.context ?? bound);
  if (record.algorithm === 'aws:kms') return keysOf(record, [dk.plaintext]);
  try {
    return keysOf(record, [dk.plaintext, await unsealOwned(record.secondLayerKey ?? '')]);
  } catch (e) {
    dk.plaintext.fill(0);
    throw e;
  }
}

/** The response headers that describe an object's encryption (S3 API Reference, GetObject/PutObject). */
export function sseResponseHeaders(record: S3ObjectEncryption | undefined, withContext = false): Record<string, string> {
  if (!record) return {};
  if (record.customerKey) return customerKeyResponseHeaders(record.customerKey);
  const h: Record<string, string> = { 'x-amz-server-side-encryption': record.algorithm };
  if (record.kmsKeyArn !== undefined) h['x-amz-server-side-encryption-aws-kms-key-id'] = record.kmsKeyArn;
  // Omitted when false (s3-sse-facts.md §1).
  if (record.bucketKeyEnabled === true) h['x-amz-server-side-encryption-bucket-key-enabled'] = 'true';
  // Unverified: that S3 echoes the whole stored context (aws:s3:arn included) on Put/Copy/CreateMultipartUpload.
  if (withContext && record.context !== undefined) h['x-amz-server-side-encryption-context'] = Buffer.from(JSON.stringify(record.context), 'utf8').toString('base64');
  return h;
}
