import type { KmsKey } from '../../domain/key.js';
import { MUTABLE_COLUMNS, mutableValues } from '../key-rows.js';
import type { KeyRef, StoredKeyMaterial } from '../ports.js';

// PostgreSQL's statements and parameters for kms_keys and key_materials; the row shapes both adapters share are in ../key-rows.ts.

/** Parameters $1..$13 of a key_materials row. */
export const materialParams = (ref: KeyRef, m: StoredKeyMaterial): unknown[] => [
  ref.account, ref.region, ref.keyId, m.keyMaterialId, m.createdAt.getTime(), m.wrapped ?? null, m.rotationType ?? null,
  m.pendingRotation === true, m.importState ?? null, m.expirationModel ?? null, m.validTo?.getTime() ?? null,
  m.description ?? null, m.fingerprint ?? null,
];

export const PUT_MATERIAL = `INSERT INTO key_materials (account, region, key_id, material_id, created_at, wrapped,
    rotation_type, pending_rotation, import_state, expiration_model, valid_to, description, fingerprint)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
  ON CONFLICT (account, region, key_id, material_id) DO UPDATE SET created_at = excluded.created_at, wrapped = excluded.wrapped,
    rotation_type = excluded.rotation_type, pending_rotation = excluded.pending_rotation, import_state = excluded.import_state,
    expiration_model = excluded.expiration_model, valid_to = excluded.valid_to, description = excluded.description,
    fingerprint = excluded.fingerprint`;

/** The mutable columns of a key as parameters, in the order of MUTABLE_COLUMNS. */
export const mutableParams = (key: KmsKey): unknown[] => {
  const values = mutableValues(key);
  return MUTABLE_COLUMNS.map((c) => values[c]);
};

/** UPDATE of a key's mutable fields: $1..$3 the key reference, $4.. the mutable columns. */
export const UPDATE_KEY = `UPDATE kms_keys SET ${MUTABLE_COLUMNS.map((c, i) => `${c} = $${i + 4}`).join(', ')}
  WHERE account = $1 AND region = $2 AND key_id = $3`;
