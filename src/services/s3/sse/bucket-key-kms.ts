/**
 * SSE-KMS with an S3 Bucket Key (S3 User Guide, "Reducing the cost of SSE-KMS with Amazon S3
 * Bucket Keys"): GenerateDataKey as the caller with context {"aws:s3:arn": bucket ARN} (plus the
 * caller's pairs) gives a bucket-level key, reused from the BucketKeyCache per requester and KMS
 * key; each object's data key is derived from it (bucket-key-derivation.ts). Reads Decrypt the
 * stored bucket key as the caller, cached likewise. The object records the bucket key's
 * CiphertextBlob, its context, the salt and `bucketKeyEnabled: true`.
 */
import type { CallContext } from '../../../domain/call-context.js';
import type { BucketKeyCache } from './bucket-key-cache.js';
import { deriveObjectDataKey, newObjectDataKey, OBJECT_KEY_SALT_BYTES } from './bucket-key-derivation.js';
import { decryptViaS3, generateDataKeyViaS3, type KmsViaS3Deps } from './kms-via-s3.js';

const bucketArnOf = (bucket: string) => `arn:aws:s3:::${bucket}`;

/**
 * Who a bucket key is cached for: the IAM principal; for temporary credentials also the session
 * (its access key), since session policies and tags can give two sessions of one role different rights.
 */
export function requesterOf(ctx: CallContext): string {
  const p = ctx.principal;
  return p.session ? `${p.arn}#${p.accessKeyId}` : p.arn;
}

/** Canonical text of a context for a cache slot (sorted keys). */
const contextSlot = (c: Record<string, string>) => JSON.stringify(Object.keys(c).sort().map((k) => [k, c[k]]));

export interface BucketKeyWrite {
  dataKey: Buffer;
  /** The bucket key's CiphertextBlob (base64), stored as the object's encryptedDataKey. */
  encryptedBucketKey: string;
  keyArn: string;
  /** The context the bucket key was generated under: the bucket ARN and the caller's pairs. */
  context: Record<string, string>;
  /** Base64 HKDF salt of this object's data key. */
  salt: string;
}

/** A data key for a new object under a bucket key (KMS called only on a cache miss). */
export async function bucketKeyForWrite(
  deps: KmsViaS3Deps & { bucketKeys: BucketKeyCache },
  ctx: CallContext,
  bucket: { name: string; region: string },
  objectKey: string,
  keyId: string,
  callerContext: Record<string, string> | undefined,
): Promise<BucketKeyWrite> {
  const bucketArn = bucketArnOf(bucket.name);
  // S3 adds aws:s3:arn (here the bucket's) to the caller's context; the caller cannot replace it.
  const context = { ...callerContext, 'aws:s3:arn': bucketArn };
  const bk = await deps.bucketKeys.forWrite(
    { principalArn: requesterOf(ctx), keyId: `${bucket.region}\u0000${keyId}\u0000${contextSlot(context)}`, bucketArn, ref: { account: ctx.account, region: bucket.region, key: keyId } },
    () => generateDataKeyViaS3(deps, ctx, bucket.region, keyId, context),
  );
  try {
    const { salt, dataKey } = newObjectDataKey(bk.plaintext, `${bucketArn}/${objectKey}`, ctx.random);
    return { dataKey, encryptedBucketKey: bk.ciphertextBlob.toString('base64'), keyArn: bk.keyArn, context, salt: salt.toString('base64') };
  } finally {
    bk.plaintext.fill(0);
  }
}

/**
 * The data key of a stored object (or multipart upload) written under a bucket key: Decrypt of
 * the bucket key as the caller on a cache miss. `objectKey` is where the data key was derived
 * (an upload's key for its parts).
 */
export async function bucketKeyForRead(
  deps: KmsViaS3Deps & { bucketKeys: BucketKeyCache },
  ctx: CallContext,
  bucket: { name: string; region: string },
  objectKey: string,
  stored: { encryptedDataKey: string; context?: Record<string, string>; bucketKeySalt: string; kmsKeyArn?: string },
): Promise<Buffer> {
  const bucketArn = bucketArnOf(bucket.name);
  const blob = Buffer.from(stored.encryptedDataKey, 'base64');
  const context = stored.context ?? { 'aws:s3:arn': bucketArn };
  const salt = Buffer.from(stored.bucketKeySalt, 'base64');
  if (salt.length !== OBJECT_KEY_SALT_BYTES) throw new Error('stored bucket key salt has the wrong length');
  const bk = await deps.bucketKeys.forRead(
    {
      principalArn: requesterOf(ctx), ciphertextBlob: blob, bucketArn: `${bucket.region}\u0000${bucketArn}\u0000${contextSlot(context)}`,
      ...(stored.kmsKeyArn ? { ref: { account: ctx.account, region: bucket.region, key: stored.kmsKeyArn } } : {}),
    },
    () => decryptViaS3(deps, ctx, bucket.region, blob, context),
  );
  try {
    return deriveObjectDataKey(bk.plaintext, salt, `${bucketArn}/${objectKey}`);
  } finally {
    bk.plaintext.fill(0);
  }
}
