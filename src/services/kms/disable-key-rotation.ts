import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { assertRotationManageable, setRotation } from './key-rotation.js';
import { defineOperation, type KmsHandler } from './operation.js';

/** DisableKeyRotation: no more automatic rotation (on every region of a Multi-Region primary). On-demand rotation stays possible. */
export const disableKeyRotation: KmsHandler<'DisableKeyRotation'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: DisableKeyRotation, input });
  assertRotationManageable(key, true);
  await setRotation(kms, key, undefined, DisableKeyRotation);
  return {};
};

export const DisableKeyRotation = defineOperation({
  facts: KMS_OPERATION_FACTS.DisableKeyRotation,
  aliases: false,
  readOnly: false,
  handler: disableKeyRotation,
});
