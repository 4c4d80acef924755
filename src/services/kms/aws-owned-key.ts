import { openCiphertext, parseCiphertext, sealCiphertext } from '../../domain/ciphertext.js';
import type { EncryptionContext } from '../../domain/encryption-context.js';
import type { KmsKey } from '../../domain/key.js';
import { GCM_IV_BYTES } from '../../crypto/aes-gcm.js';
import type { Random } from '../../crypto/random.js';
import type { Clock } from '../../util/clock.js';
import { createAwsKey } from './aws-managed-keys.js';
import { currentMaterialId, type KmsService } from './kms-service.js';

/**
 * AWS owned keys (KMS Developer Guide, "AWS owned keys"): keys a service owns and uses to protect
 * customer data — SSE-S3 is the example — that live in no customer account, appear in no KMS API
 * response and cannot be used, viewed or audited by customers.
 *
 * Locksmith keeps each one as a key of the owner `aws` (the account IAM names AWS managed policies
 * with, `arn:aws:iam::aws:policy/…`). Access keys always belong to a 12-digit account, so no
 * credentials map to it: ListKeys, DescribeKey, key ARNs and ciphertext lookups of every customer
 * account never reach it. Only Locksmith's own services use it, in-process, through the handle.
 */
export const AWS_OWNED_ACCOUNT = 'aws';

/** Nothing may use an AWS owned key through the KMS API (defense in depth; the owner is unreachable anyway). */
const OWNED_KEY_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Id: 'aws-owned',
  Statement: [{ Sid: 'No API access', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }],
});

/** In-process handle to a service's AWS owned key in one Region. */
export interface AwsOwnedKey {
  readonly keyId: string;
  /**
   * Seals a secret (a data key) for the customer `account`; the blob is bound to that account and
   * to `context` (authenticated, not secret) and names the key material it was sealed with.
   */
  seal(account: string, plaintext: Buffer, context?: EncryptionContext): Promise<Buffer>;
  /** Opens a blob from seal(); undefined unless it was sealed by this key for this account and context. */
  unseal(account: string, blob: Buffer, context?: EncryptionContext): Promise<Buffer | undefined>;
}

export interface OwnedKeyScope {
  region: string;
  clock: Clock;
  random: Random;
}

/** The service's AWS owned key in the Region (e.g. `s3` for SSE-S3), created on first use. */
export async function awsOwnedKey(kms: KmsService, service: string, scope: OwnedKeyScope): Promise<AwsOwnedKey> {
  if (!/^[a-z0-9-]{1,40}$/.test(service)) throw new Error(`invalid service name ${service}`);
  const key = await ensureOwnedKey(kms, `aws-owned-${service}`, service, scope);
  return {
    keyId: key.keyId,
    async seal(account, plaintext, context) {
      const current = (await kms.store.keys.get(ownedRef(key))) ?? key;
      const keyMaterialId = currentMaterialId(current);
      const material = await kms.material(current, keyMaterialId);
      if (!material) throw new Error(`material of ${current.arn} is missing`);
      try {
        return sealCiphertext({ account, keyId: key.keyId, keyMaterialId }, material, plaintext, context, scope.random.bytes(GCM_IV_BYTES));
      } finally {
        material.fill(0);
      }
    },
    async unseal(account, blob, context) {
      const parsed = parseCiphertext(blob);
      if (!parsed || parsed.account !== account || parsed.keyId !== key.keyId) return undefined;
      const material = await kms.material(key, parsed.keyMaterialId);
      if (!material) return undefined;
      try {
        return openCiphertext(parsed, material, context);
      } finally {
        material.fill(0);
      }
    },
  };
}

const ownedRef = (key: KmsKey) => ({ account: AWS_OWNED_ACCOUNT, region: key.region, keyId: key.keyId });

async function ensureOwnedKey(kms: KmsService, keyId: string, service: string, scope: OwnedKeyScope): Promise<KmsKey> {
  const ref = { account: AWS_OWNED_ACCOUNT, region: scope.region, keyId };
  const existing = await kms.store.keys.get(ref);
  if (existing) return existing;
  try {
    return await createAwsKey(kms, scope.random, scope.clock.now(), { ...ref, description: `AWS owned key of ${service}`, policy: OWNED_KEY_POLICY });
  } catch (e) {
    // Another first use created it meanwhile (unique account, region, key id).
    const raced = await kms.store.keys.get(ref);
    if (raced) return raced;
    throw e;
  }
}
