import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import type { KmsKey } from '../../domain/key.js';
import { UnsupportedOperationException } from '../../errors/aws-error.js';
import { InvalidPagePositionError, type StoredKeyMaterial } from '../../store/ports.js';
import { isSymmetricEncryptionKey } from './key-rotation.js';
import type { KmsService } from './kms-service.js';
import { defineOperation, type KmsHandler } from './operation.js';
import { pageWithMarker } from './paging.js';

const DEFAULT_LIMIT = 100;

/**
 * ListKeyRotations (API reference; Developer Guide "List rotations and key materials"). By
 * default (ROTATIONS_ONLY) the materials that completed an automatic or on-demand rotation;
 * ALL_KEY_MATERIAL adds the first material and imported material pending rotation. Oldest first.
 */
export const listKeyRotations: KmsHandler<'ListKeyRotations'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: ListKeyRotations, input });
  // "This parameter can only be used with KMS keys that support automatic or on-demand key rotation."
  // Unverified: that the operation refuses other keys, and with an empty message as EnableKeyRotation does.
  if (!isSymmetricEncryptionKey(key)) throw UnsupportedOperationException();
  const all = input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL';
  const materials = (await kms.store.keys.listMaterials(key)).filter((m) => all || (m.rotationType !== undefined && !m.pendingRotation));
  const limit: number = input.Limit ?? DEFAULT_LIMIT;
  const page = await pageWithMarker(input.Marker, async (after) => {
    const start = after === undefined ? 0 : materials.findIndex((m) => m.keyMaterialId === after) + 1;
    if (start === 0 && after !== undefined) throw new InvalidPagePositionError();
    const items = materials.slice(start, start + limit);
    return { items, next: start + limit < materials.length ? items[items.length - 1].keyMaterialId : undefined };
  });
  const pendingEverywhere = await pendingInEveryRegion(kms, key, page.items);
  return {
    Rotations: page.items.map((m) => rotationsListEntry(key, m, pendingEverywhere)),
    NextMarker: page.NextMarker,
    Truncated: page.Truncated,
  };
};

/**
 * Pending imported materials of a Multi-Region key that every region holds: PENDING_ROTATION
 * rather than PENDING_MULTI_REGION_IMPORT_AND_ROTATION (RotationsListEntry, KeyMaterialState).
 */
async function pendingInEveryRegion(kms: KmsService, key: KmsKey, materials: StoredKeyMaterial[]): Promise<Set<string>> {
  const pending = materials.filter((m) => m.pendingRotation).map((m) => m.keyMaterialId);
  if (!key.multiRegion || pending.length === 0) return new Set(pending);
  const others = (await kms.store.keys.regionsOf(key.account, key.keyId)).filter((k) => k.region !== key.region);
  const everywhere = new Set<string>();
  for (const id of pending) {
    const held = await Promise.all(others.map((k) => kms.store.keys.getMaterial(k, id)));
    if (held.every((m) => m?.wrapped !== undefined)) everywhere.add(id);
  }
  return everywhere;
}

function materialState(key: KmsKey, m: StoredKeyMaterial, pendingEverywhere: Set<string>): string {
  if (m.keyMaterialId === key.currentKeyMaterialId) return 'CURRENT';
  if (m.pendingRotation) return pendingEverywhere.has(m.keyMaterialId) ? 'PENDING_ROTATION' : 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION';
  return 'NON_CURRENT';
}

/**
 * One RotationsListEntry. RotationDate and RotationType are absent for the first material and
 * material pending rotation; the import fields appear only for keys with imported material, and
 * ValidTo only for material that expires.
 */
function rotationsListEntry(key: KmsKey, m: StoredKeyMaterial, pendingEverywhere: Set<string>): Record<string, unknown> {
  const external = key.origin === 'EXTERNAL';
  const rotated = m.rotationType !== undefined && !m.pendingRotation;
  return {
    // Unverified: whether KeyId is the key ARN or the key id (the CLI example shows a key id).
    KeyId: key.arn,
    KeyMaterialId: m.keyMaterialId,
    KeyMaterialDescription: external ? m.description : undefined,
    ImportState: external ? (m.wrapped ? 'IMPORTED' : 'PENDING_IMPORT') : undefined,
    KeyMaterialState: materialState(key, m, pendingEverywhere),
    ExpirationModel: external ? m.expirationModel : undefined,
    ValidTo: external && m.expirationModel === 'KEY_MATERIAL_EXPIRES' ? m.validTo : undefined,
    RotationDate: rotated ? m.createdAt : undefined,
    RotationType: rotated ? m.rotationType : undefined,
  };
}

export const ListKeyRotations = defineOperation({
  facts: KMS_OPERATION_FACTS.ListKeyRotations,
  aliases: false,
  readOnly: true,
  handler: listKeyRotations,
});
