import { KMSInvalidStateException, LimitExceededException } from '../../protocols/errors.js';
import { assertRotationManageable, ON_DEMAND_ROTATION_LIMIT, rotateKey, rotateKeyEvent, rotateToImportedMaterial } from './key-rotation.js';
import type { KmsOperation } from './operation.js';

/**
 * RotateKeyOnDemand (API reference; Developer Guide "Perform on-demand key rotation"): new key
 * material now, whether or not automatic rotation is enabled, without changing its schedule. Keys
 * with imported material rotate to the material imported for that (PENDING_ROTATION). A
 * Multi-Region key rotates from its primary, all regions together.
 */
export const rotateKeyOnDemand: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'RotateKeyOnDemand', aliases: false, input });
  assertRotationManageable(key, false);
  const done = (await kms.store.keys.listMaterials(key)).filter((m) => m.rotationType === 'ON_DEMAND').length;
  if (done >= ON_DEMAND_ROTATION_LIMIT) {
    throw LimitExceededException(
      `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${key.arn}`,
    );
  }
  const now = ctx.clock.now();
  if (key.origin === 'EXTERNAL') {
    // AWS's recorded answer when no imported material is PENDING_ROTATION (issue #15).
    if ((await rotateToImportedMaterial(kms, key, now)) === undefined) {
      throw KMSInvalidStateException(`No available key material pending rotation for the key: ${key.arn}.`);
    }
  } else {
    // As for automatic rotation, KMS records a RotateKey service event (rotationType ON_DEMAND) first.
    await rotateKey(kms, key, 'ON_DEMAND', now, ctx.random, async (id) => {
      await kms.audit?.record([rotateKeyEvent(key, 'ON_DEMAND', key.currentKeyMaterialId, id, now, ctx.random)]);
    });
  }
  // Unverified: whether KeyId is the key ARN or the key id (the CLI example shows a key id).
  return { KeyId: key.arn };
};
