/**
 * Rotation, import and Multi-Region: a key's rotation schedule and primary region, and per
 * material its metadata. `current_material_id` (EXTERNAL keys before import) and `wrapped`
 * (deleted or expired imported material) become nullable, which SQLite can only do by
 * rebuilding the tables.
 */
export const KEY_LIFECYCLE_SCHEMA = `
  CREATE TABLE kms_keys_v2 (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    arn TEXT NOT NULL,
    creation_date INTEGER NOT NULL,
    description TEXT NOT NULL,
    key_usage TEXT NOT NULL,
    key_spec TEXT NOT NULL,
    origin TEXT NOT NULL,
    key_manager TEXT NOT NULL,
    multi_region INTEGER NOT NULL,
    state TEXT NOT NULL,
    deletion_date INTEGER,
    pending_window_days INTEGER,
    policy TEXT NOT NULL,
    current_material_id TEXT,
    rotation_period_days INTEGER,
    next_rotation_date INTEGER,
    primary_region TEXT,
    UNIQUE (account, region, key_id)
  );
  INSERT INTO kms_keys_v2 (seq, account, region, key_id, arn, creation_date, description, key_usage, key_spec, origin,
      key_manager, multi_region, state, deletion_date, pending_window_days, policy, current_material_id,
      rotation_period_days, next_rotation_date, primary_region)
    SELECT seq, account, region, key_id, arn, creation_date, description, key_usage, key_spec, origin,
      key_manager, multi_region, state, deletion_date, pending_window_days, policy, current_material_id,
      NULL, NULL, NULL FROM kms_keys;
  DROP TABLE kms_keys;
  ALTER TABLE kms_keys_v2 RENAME TO kms_keys;
  CREATE INDEX kms_keys_deletion ON kms_keys (deletion_date) WHERE deletion_date IS NOT NULL;
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
