import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { isSymmetricEncryptionKey } from './key-rotation.js';
import { defineOperation, type KmsHandler } from './operation.js';

/**
 * GetKeyRotationStatus (API reference): KeyRotationEnabled, and RotationPeriodInDays and
 * NextRotationDate while it is enabled. AWS managed keys always rotate. A key pending deletion
 * reports false (its schedule returns if the deletion is cancelled). Keys that cannot rotate
 * automatically (asymmetric, HMAC, imported material) report false. Rotations complete within the
 * call here, so OnDemandRotationStartDate (present only while one is in progress) never appears.
 */
export const getKeyRotationStatus: KmsHandler<'GetKeyRotationStatus'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: GetKeyRotationStatus, input });
  const deleting = key.lifecycle.state === 'PendingDeletion' || key.lifecycle.state === 'PendingReplicaDeletion';
  const scheduled = key.rotation !== undefined && isSymmetricEncryptionKey(key) && !deleting;
  const enabled = key.keyManager === 'AWS' || scheduled;
  return {
    KeyRotationEnabled: enabled,
    KeyId: key.arn,
    RotationPeriodInDays: enabled ? key.rotation?.periodInDays : undefined,
    NextRotationDate: enabled ? key.rotation?.nextRotationDate : undefined,
  };
};

export const GetKeyRotationStatus = defineOperation({
  facts: KMS_OPERATION_FACTS.GetKeyRotationStatus,
  aliases: false,
  readOnly: true,
  handler: getKeyRotationStatus,
});
