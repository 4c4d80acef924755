import type { EncryptionContext } from '../../domain/encryption-context.js';
import type { KmsKey } from '../../domain/key.js';
import type { ContextValue } from '../../policy/types.js';
import type { CallContext } from '../../domain/call-context.js';
import { globalConditionKeys } from '../caller-policies.js';
import type { KmsInput } from './kms-core.js';

/**
 * Condition keys of a KMS request (KMS Developer Guide, "AWS KMS condition keys"; IAM User
 * Guide, "AWS global condition context keys"). Keys derived from the principal
 * (aws:PrincipalArn, kms:CallerAccount, …) are added by the policy engine.
 */
export function kmsConditionKeys(
  ctx: CallContext,
  operation: string,
  input: KmsInput,
  key: KmsKey | undefined,
  encryptionContext: EncryptionContext | undefined,
  /** From the operation's descriptor: the request carries kms:EncryptionAlgorithm. */
  algorithmConditionKey: 'kms:EncryptionAlgorithm' | undefined,
): Record<string, ContextValue | undefined> {
  const keys = globalConditionKeys(ctx, { 'kms:ViaService': ctx.viaService });
  if (encryptionContext) {
    for (const [k, v] of Object.entries(encryptionContext)) keys[`kms:EncryptionContext:${k}`] = v;
    keys['kms:EncryptionContextKeys'] = Object.keys(encryptionContext);
  }
  if (key) {
    keys['kms:KeySpec'] = key.keySpec;
    keys['kms:KeyUsage'] = key.keyUsage;
    keys['kms:KeyOrigin'] = key.origin;
    keys['kms:MultiRegion'] = key.multiRegion;
  } else if (operation === 'CreateKey') {
    keys['kms:KeySpec'] = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
    keys['kms:KeyUsage'] = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
    keys['kms:KeyOrigin'] = input.Origin ?? 'AWS_KMS';
    keys['kms:MultiRegion'] = input.MultiRegion === true;
  }
  if (typeof input.KeyId === 'string' && input.KeyId.includes('alias/')) {
    keys['kms:RequestAlias'] = input.KeyId.slice(input.KeyId.indexOf('alias/'));
  }
  const algorithm = input.EncryptionAlgorithm ?? input.SourceEncryptionAlgorithm;
  if (algorithmConditionKey !== undefined) {
    keys[algorithmConditionKey] = algorithm ?? 'SYMMETRIC_DEFAULT';
  }
  // Request members that are condition keys of their own (asymmetric, HMAC and rotation operations).
  if (input.KeyPairSpec !== undefined) keys['kms:DataKeyPairSpec'] = input.KeyPairSpec;
  if (input.SigningAlgorithm !== undefined) keys['kms:SigningAlgorithm'] = input.SigningAlgorithm;
  if (input.MacAlgorithm !== undefined) keys['kms:MacAlgorithm'] = input.MacAlgorithm;
  if (input.MessageType !== undefined) keys['kms:MessageType'] = input.MessageType;
  if (input.RotationPeriodInDays !== undefined) keys['kms:RotationPeriodInDays'] = input.RotationPeriodInDays;
  if (input.BypassPolicyLockoutSafetyCheck !== undefined) keys['kms:BypassPolicyLockoutSafetyCheck'] = input.BypassPolicyLockoutSafetyCheck === true;
  if (operation === 'ScheduleKeyDeletion') keys['kms:ScheduleKeyDeletionPendingWindowInDays'] = input.PendingWindowInDays ?? 30;
  // "kms:GrantIsForAWSResource": CreateGrant, ListGrants and RevokeGrant called by an integrated service on the caller's behalf.
  if (operation === 'CreateGrant' || operation === 'ListGrants' || operation === 'RevokeGrant') keys['kms:GrantIsForAWSResource'] = ctx.viaService !== undefined;
  if (operation === 'CreateGrant') {
    keys['kms:GrantOperations'] = input.Operations;
    keys['kms:GranteePrincipal'] = input.GranteePrincipal;
    keys['kms:RetiringPrincipal'] = input.RetiringPrincipal;
    const c = input.Constraints;
    if (c) keys['kms:GrantConstraintType'] = Object.keys(c).filter((k) => c[k] !== undefined);
  }
  if (Array.isArray(input.Tags) && (operation === 'CreateKey' || operation === 'TagResource')) {
    for (const t of input.Tags as { TagKey: string; TagValue: string }[]) keys[`aws:RequestTag/${t.TagKey}`] = t.TagValue;
    keys['aws:TagKeys'] = input.Tags.map((t: { TagKey: string }) => t.TagKey);
  }
  if (operation === 'UntagResource' && Array.isArray(input.TagKeys)) keys['aws:TagKeys'] = input.TagKeys;
  return keys;
}
