import { writeTransaction } from './transaction.js';
import type Database from 'better-sqlite3';
import type { GrantStore, KmsGrant } from '../grant-ports.js';
import { constraintsJson, grantPage, grantPosition, toGrant, type GrantRow } from '../grant-rows.js';
import type { KeyRef } from '../ports.js';
import { insertGrantRules } from './schema-grant-rules.js';

const REF = 'account = @account AND region = @region AND key_id = @keyId';
const refOf = (r: KeyRef) => ({ account: r.account, region: r.region, keyId: r.keyId });

/** Index probes only: (key, operation, grantee, rule) equal, the operation mask read from the covering index. */
export const GRANT_RULE_PROBE = `SELECT grant_id FROM kms_grant_rules WHERE ${REF} AND operation = @operation
    AND grantee_principal IN (SELECT value FROM json_each(@principals)) AND rule IN (SELECT value FROM json_each(@rules))
    AND (mask & @mask) = @mask LIMIT 1`;

export function sqliteGrantStore(db: Database.Database): GrantStore {
  const count = db.prepare(`SELECT n FROM kms_grant_counts WHERE ${REF}`);
  const addRules = insertGrantRules(db);
  const selectByRule = db.prepare(GRANT_RULE_PROBE);
  const scanRules = db.prepare(`SELECT rule, grant_id FROM kms_grant_rules WHERE ${REF} AND operation = @operation
      AND grantee_principal IN (SELECT value FROM json_each(@principals)) AND (mask & @mask) = @mask`);
  const insert = db.prepare(`INSERT INTO kms_grants (account, region, key_id, grant_id, name, grantee_principal, retiring_principal,
      operations, constraints, issuing_account, creation_date, grant_token_sha256)
    VALUES (@account, @region, @keyId, @grantId, @name, @grantee, @retiring, @operations, @constraints, @issuing, @created, @token)`);
  const insertToken = db.prepare(`INSERT INTO kms_grant_tokens (token_sha256, account, region, key_id, grant_id)
    VALUES (@token, @account, @region, @keyId, @grantId)`);
  const selectOne = db.prepare(`SELECT * FROM kms_grants WHERE ${REF} AND grant_id = @grantId`);
  const selectByName = db.prepare(`SELECT * FROM kms_grants WHERE ${REF} AND name = @name ORDER BY seq`);
  const selectByToken = db.prepare(`SELECT g.* FROM kms_grant_tokens t JOIN kms_grants g
      ON g.account = t.account AND g.region = t.region AND g.key_id = t.key_id AND g.grant_id = t.grant_id
    WHERE t.token_sha256 = ?`);
  const selectPage = db.prepare(`SELECT * FROM kms_grants WHERE ${REF} AND seq > @after
      AND (@grantId IS NULL OR grant_id = @grantId) AND (@grantee IS NULL OR grantee_principal = @grantee)
    ORDER BY seq LIMIT @limit`);
  const selectRetirable = db.prepare(`SELECT * FROM kms_grants WHERE region = @region AND retiring_principal = @principal
      AND seq > @after ORDER BY seq LIMIT @limit`);
  const selectForGrantee = db.prepare(`SELECT * FROM kms_grants WHERE ${REF}
      AND grantee_principal IN (SELECT value FROM json_each(@principals)) ORDER BY seq`);
  const deleteTokens = db.prepare(`DELETE FROM kms_grant_tokens WHERE ${REF} AND grant_id = @grantId`);
  const deleteGrant = db.prepare(`DELETE FROM kms_grants WHERE ${REF} AND grant_id = @grantId`);

  const create = writeTransaction(db, (g: KmsGrant, max: number): boolean => {
    const ref = refOf(g);
    if (((count.get(ref) as { n: number } | undefined)?.n ?? 0) >= max) return false;
    insert.run({
      ...ref,
      grantId: g.grantId,
      name: g.name ?? null,
      grantee: g.granteePrincipal,
      retiring: g.retiringPrincipal ?? null,
      operations: JSON.stringify(g.operations),
      constraints: constraintsJson(g.constraints),
      issuing: g.issuingAccount,
      created: g.creationDate.getTime(),
      token: g.grantTokenSha256,
    });
    insertToken.run({ ...ref, grantId: g.grantId, token: g.grantTokenSha256 });
    addRules(g);
    return true;
  });

  const addToken = writeTransaction(db, (ref: KeyRef, grantId: string, token: string): boolean => {
    if (selectOne.get({ ...refOf(ref), grantId }) === undefined) return false;
    insertToken.run({ ...refOf(ref), grantId, token });
    return true;
  });

  const remove = writeTransaction(db, (ref: KeyRef, grantId: string): boolean => {
    deleteTokens.run({ ...refOf(ref), grantId });
    return deleteGrant.run({ ...refOf(ref), grantId }).changes > 0;
  });

  return {
    async create(grant, maxGrantsPerKey) {
      return create(grant, maxGrantsPerKey);
    },
    async addToken(ref, grantId, grantTokenSha256) {
      return addToken(ref, grantId, grantTokenSha256);
    },
    async get(ref, grantId) {
      const row = selectOne.get({ ...refOf(ref), grantId }) as GrantRow | undefined;
      return row && toGrant(row);
    },
    async findByName(ref, name) {
      return (selectByName.all({ ...refOf(ref), name }) as GrantRow[]).map(toGrant);
    },
    async getByToken(grantTokenSha256) {
      const row = selectByToken.get(grantTokenSha256) as GrantRow | undefined;
      return row && toGrant(row);
    },
    async list(ref, limit, after, filter) {
      const rows = selectPage.all({
        ...refOf(ref),
        after: grantPosition(after),
        grantId: filter?.grantId ?? null,
        grantee: filter?.granteePrincipal ?? null,
        limit: limit + 1,
      }) as GrantRow[];
      return grantPage(rows, limit);
    },
    async listRetirable(region, retiringPrincipal, limit, after) {
      const rows = selectRetirable.all({ region, principal: retiringPrincipal, after: grantPosition(after), limit: limit + 1 }) as GrantRow[];
      return grantPage(rows, limit);
    },
    async forGrantee(ref, principals) {
      if (principals.length === 0) return [];
      return (selectForGrantee.all({ ...refOf(ref), principals: JSON.stringify(principals) }) as GrantRow[]).map(toGrant);
    },
    async findByRule(ref, principals, operation, rules, mask = 0, scan) {
      if (principals.length === 0) return undefined;
      const args = { ...refOf(ref), operation, principals: JSON.stringify(principals), mask };
      const hit = selectByRule.get({ ...args, rules: JSON.stringify(rules) }) as { grant_id: string } | undefined;
      if (hit || !scan) return hit?.grant_id;
      for (const row of scanRules.iterate(args) as IterableIterator<{ rule: string; grant_id: string }>) {
        if (scan(row.rule)) return row.grant_id;
      }
      return undefined;
    },
    async delete(ref, grantId) {
      return remove(ref, grantId);
    },
  };
}
