/**
 * A counter of committed changes to the state requests read (keys, aliases, tags, credentials,
 * IAM, sessions, grants): triggers bump it in the same transaction as the change, whichever
 * connection or process made it. Processes that cache those reads compare it at the start of
 * each request and forget their caches when it moved (src/store/read-cache.ts). Audit tables
 * are left out: they change with every request and nothing cached is derived from them.
 */
export const CACHED_STATE_TABLES = [
  'accounts',
  'access_keys',
  'kms_keys',
  'key_materials',
  'aliases',
  'key_tags',
  'iam_users',
  'iam_roles',
  'iam_inline_policies',
  'iam_managed_policies',
  'iam_policy_versions',
  'iam_attachments',
  'iam_tags',
  'sts_sessions',
  'kms_grants',
  'kms_grant_tokens',
] as const;

const triggers = (table: string) =>
  (['INSERT', 'UPDATE', 'DELETE'] as const)
    .map((event) => `CREATE TRIGGER ${table}_changes_${event.toLowerCase()} AFTER ${event} ON ${table} BEGIN UPDATE store_changes SET n = n + 1; END;`)
    .join('\n');

export const STORE_CHANGES_SCHEMA = `
  CREATE TABLE store_changes (id INTEGER PRIMARY KEY CHECK (id = 0), n INTEGER NOT NULL);
  INSERT INTO store_changes (id, n) VALUES (0, 0);
  ${CACHED_STATE_TABLES.map(triggers).join('\n')}
`;
