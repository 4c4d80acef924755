import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { assertRotationManageable, DEFAULT_ROTATION_PERIOD_DAYS, rotationSchedule, setRotation } from './key-rotation.js';
import { defineOperation, type KmsHandler } from './operation.js';

/**
 * EnableKeyRotation: automatic rotation every RotationPeriodInDays (90–2560, checked against the
 * model; default 365), the first one that many days from now. Calling it again changes the period.
 * On a Multi-Region primary the setting applies to every replica.
 */
export const enableKeyRotation: KmsHandler<'EnableKeyRotation'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: EnableKeyRotation, input });
  assertRotationManageable(key, true);
  const period: number = input.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
  await setRotation(kms, key, rotationSchedule(period, ctx.clock.now()), EnableKeyRotation);
  return {};
};

export const EnableKeyRotation = defineOperation({
  facts: KMS_OPERATION_FACTS.EnableKeyRotation,
  aliases: false,
  readOnly: false,
  handler: enableKeyRotation,
});
