import { assertRotationManageable, setRotation } from './key-rotation.js';
import type { KmsOperation } from './operation.js';

/** DisableKeyRotation: no more automatic rotation (on every region of a Multi-Region primary). On-demand rotation stays possible. */
export const disableKeyRotation: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'DisableKeyRotation', aliases: false, input });
  assertRotationManageable(key, true);
  await setRotation(kms, key, undefined, 'DisableKeyRotation');
  return {};
};
