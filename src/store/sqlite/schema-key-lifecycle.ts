/**
 * Rotation, import and Multi-Region: a key's rotation schedule and primary region, and per
 * material its metadata. `wrapped` becomes nullable (deleted or expired imported material),
 * which SQLite can only do by rebuilding the table.
 */
export const KEY_LIFECYCLE_SCHEMA = `
  ALTER TABLE kms_keys ADD COLUMN rotation_period_days INTEGER;
  ALTER TABLE kms_keys ADD COLUMN next_rotation_date INTEGER;
  ALTER TABLE kms_keys ADD COLUMN primary_region TEXT;
  CREATE INDEX kms_keys_rotation ON kms_keys (next_rotation_date) WHERE next_rotation_date IS NOT NULL;
  CREATE INDEX kms_keys_key_id ON kms_keys (account, key_id);
  CREATE TABLE key_materials_v2 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    material_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    wrapped BLOB,
    rotation_type TEXT,
    pending_rotation INTEGER NOT NULL DEFAULT 0,
    import_state TEXT,
    expiration_model TEXT,
    valid_to INTEGER,
    description TEXT,
    fingerprint BLOB,
    PRIMARY KEY (account, region, key_id, material_id)
  );
  INSERT INTO key_materials_v2 (account, region, key_id, material_id, created_at, wrapped)
    SELECT account, region, key_id, material_id, created_at, wrapped FROM key_materials;
  DROP TABLE key_materials;
  ALTER TABLE key_materials_v2 RENAME TO key_materials;
  CREATE INDEX key_materials_expiry ON key_materials (valid_to) WHERE valid_to IS NOT NULL AND wrapped IS NOT NULL;
`;
