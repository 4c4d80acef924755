import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import type { KmsKey } from '../../domain/key.js';
import { NotFoundException } from '../../errors/aws-error.js';
import { assertExternal, exposesMaterialId, lifecycleAfterImportChange, mergeMaterials, withoutMaterial } from './imported-material.js';
import { changeKey } from './key-transaction.js';
import { defineOperation, type KmsHandler } from './operation.js';

/**
 * DeleteImportedKeyMaterial: drops the wrapped bytes of one imported material (the current one
 * unless KeyMaterialId names another). Its metadata and keyed fingerprint stay, so only the same
 * material can be imported again. The key goes to PendingImport, except when it is pending deletion
 * (DeleteImportedKeyMaterial) or when the material was only pending rotation, which is not
 * permanently associated with the key (ListKeyRotations, KeyMaterialState). A key that never had
 * material is left as it is ("PendingImport: OK (No effect)", kms-key-states.md).
 */
export const deleteImportedKeyMaterial: KmsHandler<'DeleteImportedKeyMaterial'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: DeleteImportedKeyMaterial, input });
  assertExternal(key);
  let targetId: string | undefined;
  // Decided and written on the key and its materials as committed now (issue 11, finding 2).
  await changeKey(kms, key, DeleteImportedKeyMaterial, (fresh, reads) => {
    targetId = input.KeyMaterialId ?? fresh.currentKeyMaterialId;
    if (targetId === undefined) return undefined;
    const materials = reads.listMaterials(fresh);
    const target = materials.find((m) => m.keyMaterialId === targetId);
    // Unverified: AWS's exception and message for a KeyMaterialId the key does not have.
    if (!target) throw NotFoundException(`Key material ${targetId} is not associated with ${fresh.arn}`);
    const row = withoutMaterial(target);
    const updated: KmsKey = { ...fresh, lifecycle: lifecycleAfterImportChange(fresh, mergeMaterials(materials, [row])) };
    return [{ key: updated, materials: [row] }];
  });
  if (targetId === undefined) return { KeyId: key.arn };
  return { KeyId: key.arn, KeyMaterialId: exposesMaterialId(key) ? targetId : undefined };
};

export const DeleteImportedKeyMaterial = defineOperation({
  facts: KMS_OPERATION_FACTS.DeleteImportedKeyMaterial,
  aliases: false,
  readOnly: false,
  handler: deleteImportedKeyMaterial,
});
