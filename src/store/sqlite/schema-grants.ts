/**
 * KMS grants (migration 4). A grant belongs to one key; `seq` orders listings (oldest first) and
 * is the paging position. Grant tokens are stored only as SHA-256 hashes, one row per token: a
 * CreateGrant retried with the same Name returns a new token for the same grant (CreateGrant API
 * reference, "Name"). Deleting a grant deletes its tokens (ON DELETE CASCADE).
 */
export const GRANTS_SCHEMA = `
  CREATE TABLE kms_grants (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
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
    creation_date INTEGER NOT NULL,
    grant_token_sha256 TEXT NOT NULL,
    UNIQUE (account, region, key_id, grant_id)
  );
  CREATE INDEX kms_grants_grantee ON kms_grants (account, region, key_id, grantee_principal);
  CREATE INDEX kms_grants_name ON kms_grants (account, region, key_id, name) WHERE name IS NOT NULL;
  CREATE INDEX kms_grants_retiring ON kms_grants (region, retiring_principal, seq) WHERE retiring_principal IS NOT NULL;
  CREATE TABLE kms_grant_tokens (
    token_sha256 TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    grant_id TEXT NOT NULL,
    FOREIGN KEY (account, region, key_id, grant_id)
      REFERENCES kms_grants (account, region, key_id, grant_id) ON DELETE CASCADE
  );
  CREATE INDEX kms_grant_tokens_grant ON kms_grant_tokens (account, region, key_id, grant_id);
`;
