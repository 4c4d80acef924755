import type Database from 'better-sqlite3';
import { grantRules } from '../../domain/grant-rules.js';

/**
 * Grants indexed for authorization (migration 9; src/domain/grant-rules.ts): one row per grant
 * operation with the encryption contexts it admits, so a decision is a few index probes however
 * many grants the key has, and one principal's grants are never read for another's request.
 * A per-key grant count keeps the 50,000-grants quota check O(1). Triggers keep both in step with
 * kms_grants whoever deletes a grant (RevokeGrant, RetireGrant, key deletion); like every table of
 * state they bump the change counter (schema-store-changes.ts).
 */
export const GRANT_RULES_SCHEMA = `
  CREATE TABLE kms_grant_rules (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    operation TEXT NOT NULL,
    grantee_principal TEXT NOT NULL,
    rule TEXT NOT NULL,
    mask INTEGER NOT NULL,
    grant_id TEXT NOT NULL
  );
  CREATE INDEX kms_grant_rules_lookup ON kms_grant_rules (account, region, key_id, operation, grantee_principal, rule, mask, grant_id);
  CREATE INDEX kms_grant_rules_grant ON kms_grant_rules (account, region, key_id, grant_id);
  CREATE TABLE kms_grant_counts (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    key_id TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (account, region, key_id)
  );
  INSERT INTO kms_grant_counts (account, region, key_id, n) SELECT account, region, key_id, COUNT(*) FROM kms_grants GROUP BY account, region, key_id;
  CREATE TRIGGER kms_grants_count_insert AFTER INSERT ON kms_grants BEGIN
    INSERT INTO kms_grant_counts (account, region, key_id, n) VALUES (NEW.account, NEW.region, NEW.key_id, 1)
      ON CONFLICT (account, region, key_id) DO UPDATE SET n = n + 1;
  END;
  CREATE TRIGGER kms_grants_count_delete AFTER DELETE ON kms_grants BEGIN
    UPDATE kms_grant_counts SET n = n - 1 WHERE account = OLD.account AND region = OLD.region AND key_id = OLD.key_id;
    DELETE FROM kms_grant_rules WHERE account = OLD.account AND region = OLD.region AND key_id = OLD.key_id AND grant_id = OLD.grant_id;
  END;
  ${['kms_grant_rules', 'kms_grant_counts'].flatMap((table) => ['INSERT', 'UPDATE', 'DELETE'].map((event) =>
    `CREATE TRIGGER ${table}_changes_${event.toLowerCase()} AFTER ${event} ON ${table} BEGIN UPDATE store_changes SET n = n + 1; END;`)).join('\n  ')}
`;

/** Inserts the index rows of one grant (the store's create, and the migration's backfill). */
export function insertGrantRules(
  db: Database.Database,
): (g: { account: string; region: string; keyId: string; grantId: string; granteePrincipal: string; operations: string[]; constraints?: object }) => void {
  const insert = db.prepare(`INSERT INTO kms_grant_rules (account, region, key_id, operation, grantee_principal, rule, mask, grant_id)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  return (g) => {
    for (const [operation, rule, mask] of grantRules(g)) {
      insert.run(g.account, g.region, g.keyId, operation, g.granteePrincipal, rule, mask, g.grantId);
    }
  };
}

/** Migration 9: the schema, then the rows of the grants that already exist. */
export function migrateGrantRules(db: Database.Database): void {
  db.exec(GRANT_RULES_SCHEMA);
  const add = insertGrantRules(db);
  const rows = db.prepare('SELECT account, region, key_id, grant_id, grantee_principal, operations, constraints FROM kms_grants').all() as
    Array<{ account: string; region: string; key_id: string; grant_id: string; grantee_principal: string; operations: string; constraints: string | null }>;
  for (const r of rows) {
    add({
      account: r.account, region: r.region, keyId: r.key_id, grantId: r.grant_id, granteePrincipal: r.grantee_principal,
      operations: JSON.parse(r.operations) as string[],
      ...(r.constraints !== null ? { constraints: JSON.parse(r.constraints) as object } : {}),
    });
  }
}
