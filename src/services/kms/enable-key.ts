import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { KMSInvalidStateException } from '../../errors/aws-error.js';
import { lifecycleAfterImportChange } from './imported-material.js';
import { changeKey } from './key-transaction.js';
import { defineOperation, type KmsHandler } from './operation.js';

/**
 * EnableKey. A key with imported material that lacks any of its permanent material is
 * PendingImport, whatever its stored state says ("Import key material"); it is never enabled.
 */
export const enableKey: KmsHandler<'EnableKey'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: EnableKey, input });
  await changeKey(kms, key, EnableKey, (fresh, reads) => {
    if (fresh.lifecycle.state === 'Enabled') return undefined;
    const enabled = { ...fresh, lifecycle: { state: 'Enabled' as const } };
    if (fresh.origin === 'EXTERNAL' && lifecycleAfterImportChange(enabled, reads.listMaterials(fresh)).state === 'PendingImport') {
      throw KMSInvalidStateException(`${fresh.arn} is pending import.`);
    }
    return enabled;
  });
  return {};
};

export const EnableKey = defineOperation({
  facts: KMS_OPERATION_FACTS.EnableKey,
  aliases: false,
  readOnly: false,
  handler: enableKey,
});
