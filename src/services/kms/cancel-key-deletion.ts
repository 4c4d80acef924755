import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import type { KeyLifecycle } from '../../domain/key.js';
import { lifecycleAfterImportChange } from './imported-material.js';
import { changeKey } from './key-transaction.js';
import { defineOperation, type KmsHandler } from './operation.js';

/**
 * A key whose deletion is cancelled comes back Disabled (AWS KMS Developer Guide, "Cancel key
 * deletion") — except a key with imported material that lacks any of its permanent material,
 * which is PendingImport ("Key states of AWS KMS keys": PendingImport applies while key material
 * is missing), so it cannot be enabled without material (issue 11, finding 12).
 * Unverified: AWS documents only the Disabled outcome; PendingImport follows its key-state rules.
 */
export const cancelKeyDeletion: KmsHandler<'CancelKeyDeletion'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: CancelKeyDeletion, input });
  await changeKey(kms, key, CancelKeyDeletion, (fresh, reads) => {
    const disabled = { ...fresh, lifecycle: { state: 'Disabled' } as KeyLifecycle };
    return fresh.origin === 'EXTERNAL' ? { ...disabled, lifecycle: lifecycleAfterImportChange(disabled, reads.listMaterials(fresh)) } : disabled;
  });
  return { KeyId: key.arn };
};

export const CancelKeyDeletion = defineOperation({
  facts: KMS_OPERATION_FACTS.CancelKeyDeletion,
  aliases: false,
  readOnly: false,
  handler: cancelKeyDeletion,
});
