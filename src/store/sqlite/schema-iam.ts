/**
 * IAM users, roles, policies and STS sessions (migration 3). IAM names are unique per account
 * regardless of case (IAM User Guide, "IAM identifiers": "names are not distinguished by case"),
 * hence COLLATE NOCASE on name keys; the name is kept as given.
 */
export const IAM_SCHEMA = `
  CREATE TABLE iam_users (
    account TEXT NOT NULL,
    user_name TEXT NOT NULL COLLATE NOCASE,
    user_id TEXT NOT NULL UNIQUE,
    arn TEXT NOT NULL,
    path TEXT NOT NULL,
    create_date INTEGER NOT NULL,
    PRIMARY KEY (account, user_name)
  );
  CREATE TABLE iam_roles (
    account TEXT NOT NULL,
    role_name TEXT NOT NULL COLLATE NOCASE,
    role_id TEXT NOT NULL UNIQUE,
    arn TEXT NOT NULL,
    path TEXT NOT NULL,
    assume_role_policy TEXT NOT NULL,
    description TEXT NOT NULL,
    max_session_duration INTEGER NOT NULL,
    create_date INTEGER NOT NULL,
    PRIMARY KEY (account, role_name)
  );
  CREATE TABLE iam_inline_policies (
    account TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'role')),
    owner TEXT NOT NULL COLLATE NOCASE,
    policy_name TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (account, kind, owner, policy_name)
  );
  CREATE TABLE iam_managed_policies (
    account TEXT NOT NULL,
    policy_name TEXT NOT NULL COLLATE NOCASE,
    policy_id TEXT NOT NULL UNIQUE,
    arn TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    description TEXT NOT NULL,
    default_version_id TEXT NOT NULL,
    create_date INTEGER NOT NULL,
    update_date INTEGER NOT NULL,
    PRIMARY KEY (account, policy_name)
  );
  CREATE TABLE iam_policy_versions (
    policy_arn TEXT NOT NULL,
    version_id TEXT NOT NULL,
    document TEXT NOT NULL,
    create_date INTEGER NOT NULL,
    PRIMARY KEY (policy_arn, version_id)
  );
  CREATE TABLE iam_attachments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'role')),
    owner TEXT NOT NULL COLLATE NOCASE,
    policy_arn TEXT NOT NULL,
    UNIQUE (account, kind, owner, policy_arn)
  );
  CREATE INDEX iam_attachments_policy ON iam_attachments (policy_arn);
  CREATE TABLE sts_sessions (
    access_key_id TEXT PRIMARY KEY,
    wrapped_secret BLOB NOT NULL,
    session_token_sha256 TEXT NOT NULL,
    account TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    principal_arn TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    issuer_arn TEXT NOT NULL,
    issuer_name TEXT NOT NULL,
    session_name TEXT,
    session_policies TEXT NOT NULL,
    expiration INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX sts_sessions_expiration ON sts_sessions (expiration);
`;

/**
 * Tags of IAM users and roles, and STS session tags (migration 5). Tag keys are unique per
 * owner regardless of case (IAM User Guide, "Tagging IAM resources": "you cannot have separate
 * Department and department tag keys"), including non-ASCII letters, so the key is also kept
 * folded by the adapter (`key_folded`) — SQLite's NOCASE folds ASCII only. Owner names are matched
 * like user and role names. Session tags live with their session as JSON.
 */
export const IAM_TAGS_SCHEMA = `
  CREATE TABLE iam_tags (
    account TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'role')),
    owner TEXT NOT NULL COLLATE NOCASE,
    key_folded TEXT NOT NULL,
    tag_key TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (account, kind, owner, key_folded)
  );
  ALTER TABLE sts_sessions ADD COLUMN session_tags TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE sts_sessions ADD COLUMN transitive_tag_keys TEXT NOT NULL DEFAULT '[]';
`;

/**
 * The unique id of the user or role behind an STS session (migration 9): a session of a deleted
 * identity must not come back to life with a namesake (IAM User Guide, "AWS JSON policy elements:
 * Principal"). NULL for the root and for sessions issued before this migration.
 */
export const STS_ISSUER_ID_SCHEMA = `
  ALTER TABLE sts_sessions ADD COLUMN issuer_id TEXT;
`;
