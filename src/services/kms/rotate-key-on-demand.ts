import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { assertKeyStateAllows } from '../../domain/key-states.js';
import { KMSInvalidStateException } from '../../errors/aws-error.js';
import { assertOnDemandQuota, assertRotationManageable, rotateKey, rotateKeyEvent, rotateToImportedMaterial, rotationLock } from './key-rotation.js';
import { defineOperation, type KmsHandler } from './operation.js';

/**
 * RotateKeyOnDemand (API reference; Developer Guide "Perform on-demand key rotation"): new key
 * material now, whether or not automatic rotation is enabled, without changing its schedule. Keys
 * with imported material rotate to the material imported for that (PENDING_ROTATION). A
 * Multi-Region key rotates from its primary, all regions together. At most 25 on-demand rotations
 * per key, however many calls run at once: rotations of a key run one at a time here, and the
 * store transaction checks the quota again (other processes).
 */
export const rotateKeyOnDemand: KmsHandler<'RotateKeyOnDemand'> = async (input, ctx, kms) => {
  const resolved = await kms.resolveKey(ctx, input.KeyId, { op: RotateKeyOnDemand, input });
  assertRotationManageable(resolved, false);
  await rotationLock(kms, resolved, async () => {
    // Checked again under the lock (this rotation's linearization point): an earlier rotation of
    // this key, or a change of its state, may have committed while this call waited.
    const key = (await kms.store.keys.get(resolved)) ?? resolved;
    assertKeyStateAllows(RotateKeyOnDemand.keyStates, key);
    assertOnDemandQuota(key, await kms.store.keys.listMaterials(key));
    const now = ctx.clock.now();
    if (key.origin === 'EXTERNAL') {
      // AWS's recorded answer when no imported material is PENDING_ROTATION (issue #15).
      if ((await rotateToImportedMaterial(kms, key, now)) === undefined) {
        throw KMSInvalidStateException(`No available key material pending rotation for the key: ${key.arn}.`);
      }
      return;
    }
    // As for automatic rotation, KMS records a RotateKey service event (rotationType ON_DEMAND) first.
    await rotateKey(kms, key, 'ON_DEMAND', now, ctx.random, async (id) => {
      await kms.audit?.record([rotateKeyEvent(key, 'ON_DEMAND', key.currentKeyMaterialId, id, now, ctx.random)]);
    });
  });
  // Unverified: whether KeyId is the key ARN or the key id (the CLI example shows a key id).
  return { KeyId: resolved.arn };
};

export const RotateKeyOnDemand = defineOperation({
  facts: KMS_OPERATION_FACTS.RotateKeyOnDemand,
  // Not in AWS's key-state table; the model lists DisabledException and KMSInvalidStateException.
  keyStates: { row: KMS_OPERATION_FACTS.EnableKeyRotation.keyStates },
  aliases: false,
  readOnly: false,
  handler: rotateKeyOnDemand,
});
