/**
 * KMS tables on PostgreSQL (the same rows as the SQLite schema, src/store/sqlite/schema*.ts).
 * Times are epoch milliseconds (BIGINT: exact to the ms, as the SQLite store keeps them), secrets
 * and fingerprints BYTEA. Names that page or sort compare in byte order (COLLATE "C").
 */
export const KMS_SCHEMA = `
  CREATE TABLE accounts (
    account TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
  );
  CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES accounts(account),
    principal_type TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    principal_id TEXT NOT NULL DEFAULT '',
    wrapped_secret BYTEA NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX access_keys_account ON access_keys (account, created_at, access_key_id);
  CREATE TABLE kms_keys (
    seq BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    arn TEXT NOT NULL,
    creation_date BIGINT NOT NULL,
    description TEXT NOT NULL,
    key_usage TEXT NOT NULL,
    key_spec TEXT NOT NULL,
    origin TEXT NOT NULL,
    key_manager TEXT NOT NULL,
    multi_region BOOLEAN NOT NULL,
    state TEXT NOT NULL,
    deletion_date BIGINT,
    pending_window_days INTEGER,
    policy TEXT NOT NULL,
    current_material_id TEXT,
    rotation_period_days INTEGER,
    next_rotation_date BIGINT,
    primary_region TEXT,
    transient_until BIGINT,
    UNIQUE (account, region, key_id)
  );
  CREATE INDEX kms_keys_page ON kms_keys (account, region, seq);
  CREATE INDEX kms_keys_deletion ON kms_keys (deletion_date) WHERE deletion_date IS NOT NULL;
  CREATE INDEX kms_keys_rotation ON kms_keys (next_rotation_date) WHERE next_rotation_date IS NOT NULL;
  CREATE INDEX kms_keys_key_id ON kms_keys (account, key_id);
  CREATE TABLE key_materials (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    material_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    wrapped BYTEA,
    rotation_type TEXT,
    pending_rotation BOOLEAN NOT NULL DEFAULT false,
    import_state TEXT,
    expiration_model TEXT,
    valid_to BIGINT,
    description TEXT,
    fingerprint BYTEA,
    PRIMARY KEY (account, region, key_id, material_id)
  );
  CREATE INDEX key_materials_expiry ON key_materials (valid_to) WHERE valid_to IS NOT NULL AND wrapped IS NOT NULL;
  CREATE TABLE aliases (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    alias_name TEXT COLLATE "C" NOT NULL,
    target_key_id TEXT NOT NULL,
    creation_date BIGINT NOT NULL,
    last_updated_date BIGINT NOT NULL,
    PRIMARY KEY (account, region, alias_name)
  );
  CREATE INDEX aliases_target ON aliases (account, region, target_key_id);
  CREATE TABLE key_tags (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    tag_key TEXT COLLATE "C" NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (account, region, key_id, tag_key)
  );
  CREATE TABLE kms_grants (
    seq BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    grant_id TEXT NOT NULL,
    name TEXT,
    grantee_principal TEXT NOT NULL,
    retiring_principal TEXT,
    operations TEXT NOT NULL,
    constraints TEXT,
    issuing_account TEXT NOT NULL,
    creation_date BIGINT NOT NULL,
    grant_token_sha256 TEXT NOT NULL,
    UNIQUE (account, region, key_id, grant_id)
  );
  CREATE INDEX kms_grants_page ON kms_grants (account, region, key_id, seq);
  CREATE INDEX kms_grants_grantee ON kms_grants (account, region, key_id, grantee_principal);
  CREATE INDEX kms_grants_name ON kms_grants (account, region, key_id, name) WHERE name IS NOT NULL;
  CREATE INDEX kms_grants_retiring ON kms_grants (region, retiring_principal, seq) WHERE retiring_principal IS NOT NULL;
  CREATE TABLE kms_grant_tokens (
    token_sha256 TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    grant_id TEXT NOT NULL,
    FOREIGN KEY (account, region, key_id, grant_id) REFERENCES kms_grants (account, region, key_id, grant_id) ON DELETE CASCADE
  );
  CREATE INDEX kms_grant_tokens_grant ON kms_grant_tokens (account, region, key_id, grant_id);
  -- The authorization index of grants (src/domain/grant-rules.ts); its rows go with their grant.
  CREATE TABLE kms_grant_rules (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    grantee_principal TEXT NOT NULL,
    rule TEXT NOT NULL,
    mask INTEGER NOT NULL,
    grant_id TEXT NOT NULL,
    FOREIGN KEY (account, region, key_id, grant_id) REFERENCES kms_grants (account, region, key_id, grant_id) ON DELETE CASCADE
  );
  CREATE INDEX kms_grant_rules_lookup ON kms_grant_rules (account, region, key_id, operation, grantee_principal, rule, mask, grant_id);
  CREATE INDEX kms_grant_rules_grant ON kms_grant_rules (account, region, key_id, grant_id);
`;
