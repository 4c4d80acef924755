/**
 * IAM and STS tables on PostgreSQL. IAM names are unique per account regardless of case (IAM User
 * Guide, "IAM identifiers"): each name has a stored lower-cased twin (`*_ci`, ASCII folding like
 * SQLite's NOCASE under the "C" collation) that the keys and lookups use; the name is kept as given.
 */
export const IAM_SCHEMA = `
  CREATE TABLE iam_users (
    account TEXT NOT NULL,
    user_name TEXT COLLATE "C" NOT NULL,
    user_name_ci TEXT COLLATE "C" GENERATED ALWAYS AS (lower(user_name)) STORED,
    user_id TEXT NOT NULL UNIQUE,
    arn TEXT NOT NULL,
    path TEXT NOT NULL,
    create_date BIGINT NOT NULL,
    PRIMARY KEY (account, user_name_ci)
  );
  CREATE TABLE iam_roles (
    account TEXT NOT NULL,
    role_name TEXT COLLATE "C" NOT NULL,
    role_name_ci TEXT COLLATE "C" GENERATED ALWAYS AS (lower(role_name)) STORED,
    role_id TEXT NOT NULL UNIQUE,
    arn TEXT NOT NULL,
    path TEXT NOT NULL,
    assume_role_policy TEXT NOT NULL,
    description TEXT NOT NULL,
    max_session_duration INTEGER NOT NULL,
    create_date BIGINT NOT NULL,
    PRIMARY KEY (account, role_name_ci)
  );
  CREATE TABLE iam_inline_policies (
    account TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'role')),
    owner TEXT NOT NULL,
    owner_ci TEXT COLLATE "C" GENERATED ALWAYS AS (lower(owner)) STORED,
    policy_name TEXT COLLATE "C" NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (account, kind, owner_ci, policy_name)
  );
  CREATE TABLE iam_managed_policies (
    account TEXT NOT NULL,
    policy_name TEXT COLLATE "C" NOT NULL,
    policy_name_ci TEXT COLLATE "C" GENERATED ALWAYS AS (lower(policy_name)) STORED,
    policy_id TEXT NOT NULL UNIQUE,
    arn TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    description TEXT NOT NULL,
    default_version_id TEXT NOT NULL,
    create_date BIGINT NOT NULL,
    update_date BIGINT NOT NULL,
    PRIMARY KEY (account, policy_name_ci)
  );
  CREATE TABLE iam_policy_versions (
    policy_arn TEXT NOT NULL,
    version_id TEXT NOT NULL,
    document TEXT NOT NULL,
    create_date BIGINT NOT NULL,
    PRIMARY KEY (policy_arn, version_id)
  );
  CREATE TABLE iam_attachments (
    seq BIGSERIAL PRIMARY KEY,
    account TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'role')),
    owner TEXT NOT NULL,
    owner_ci TEXT COLLATE "C" GENERATED ALWAYS AS (lower(owner)) STORED,
    policy_arn TEXT NOT NULL,
    UNIQUE (account, kind, owner_ci, policy_arn)
  );
  CREATE INDEX iam_attachments_policy ON iam_attachments (policy_arn);
  CREATE TABLE iam_tags (
    account TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'role')),
    owner TEXT NOT NULL,
    owner_ci TEXT COLLATE "C" GENERATED ALWAYS AS (lower(owner)) STORED,
    key_folded TEXT COLLATE "C" NOT NULL,
    tag_key TEXT COLLATE "C" NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (account, kind, owner_ci, key_folded)
  );
  CREATE TABLE sts_sessions (
    access_key_id TEXT PRIMARY KEY,
    wrapped_secret BYTEA NOT NULL,
    session_token_sha256 TEXT NOT NULL,
    account TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    issuer_arn TEXT NOT NULL,
    issuer_name TEXT NOT NULL,
    issuer_id TEXT,
    session_name TEXT,
    session_policies TEXT NOT NULL,
    session_tags TEXT NOT NULL DEFAULT '{}',
    transitive_tag_keys TEXT NOT NULL DEFAULT '[]',
    expiration BIGINT NOT NULL,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX sts_sessions_expiration ON sts_sessions (expiration);
`;
