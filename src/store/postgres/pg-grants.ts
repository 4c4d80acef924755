import { grantRules } from '../../domain/grant-rules.js';
import type { GrantStore } from '../grant-ports.js';
import { constraintsJson, grantPage, grantPosition, toGrant, type GrantRow } from '../grant-rows.js';
import type { KeyRef } from '../ports.js';
import { lockName } from './pg-aliases.js';
import type { PgDatabase } from './pool.js';

const REF = 'account = $1 AND region = $2 AND key_id = $3';
const refParams = (r: KeyRef) => [r.account, r.region, r.keyId];

export function pgGrantStore(db: PgDatabase): GrantStore {
  return {
    async create(g, max) {
      return db.transaction(async (tx) => {
        // One grant count per key at a time, on every node (the 50,000 grants per key quota).
        await lockName(tx, 'key-grants', g.account, g.region, g.keyId);
        const n = (await tx.one<{ n: number }>(`SELECT COUNT(*) AS n FROM kms_grants WHERE ${REF}`, refParams(g)))!.n;
        if (n >= max) return false;
        await tx.run(`INSERT INTO kms_grants (account, region, key_id, grant_id, name, grantee_principal, retiring_principal,
            operations, constraints, issuing_account, creation_date, grant_token_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [...refParams(g), g.grantId, g.name ?? null, g.granteePrincipal, g.retiringPrincipal ?? null, JSON.stringify(g.operations),
          constraintsJson(g.constraints), g.issuingAccount, g.creationDate.getTime(), g.grantTokenSha256]);
        await tx.run(`INSERT INTO kms_grant_tokens (token_sha256, account, region, key_id, grant_id) VALUES ($4, $1, $2, $3, $5)`,
          [...refParams(g), g.grantTokenSha256, g.grantId]);
        for (const [operation, rule, mask] of grantRules(g)) {
          await tx.run(`INSERT INTO kms_grant_rules (account, region, key_id, operation, grantee_principal, rule, mask, grant_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [...refParams(g), operation, g.granteePrincipal, rule, mask, g.grantId]);
        }
        return true;
      });
    },
    async addToken(ref, grantId, token) {
      // The grant row is locked (FOR SHARE) so a concurrent revoke cannot slip between check and insert.
      return db.transaction(async (tx) => {
        if (!(await tx.one(`SELECT 1 FROM kms_grants WHERE ${REF} AND grant_id = $4 FOR SHARE`, [...refParams(ref), grantId]))) return false;
        await tx.run(`INSERT INTO kms_grant_tokens (token_sha256, account, region, key_id, grant_id) VALUES ($4, $1, $2, $3, $5)`,
          [...refParams(ref), token, grantId]);
        return true;
      });
    },
    async get(ref, grantId) {
      const row = await db.one<GrantRow>(`SELECT * FROM kms_grants WHERE ${REF} AND grant_id = $4`, [...refParams(ref), grantId]);
      return row && toGrant(row);
    },
    async findByName(ref, name) {
      return (await db.rows<GrantRow>(`SELECT * FROM kms_grants WHERE ${REF} AND name = $4 ORDER BY seq`, [...refParams(ref), name])).map(toGrant);
    },
    async getByToken(sha256) {
      const row = await db.one<GrantRow>(`SELECT g.* FROM kms_grant_tokens t JOIN kms_grants g
          ON g.account = t.account AND g.region = t.region AND g.key_id = t.key_id AND g.grant_id = t.grant_id
        WHERE t.token_sha256 = $1`, [sha256]);
      return row && toGrant(row);
    },
    async list(ref, limit, after, filter) {
      const rows = await db.rows<GrantRow>(`SELECT * FROM kms_grants WHERE ${REF} AND seq > $4
          AND ($5::text IS NULL OR grant_id = $5) AND ($6::text IS NULL OR grantee_principal = $6) ORDER BY seq LIMIT $7`,
      [...refParams(ref), grantPosition(after), filter?.grantId ?? null, filter?.granteePrincipal ?? null, limit + 1]);
      return grantPage(rows, limit);
    },
    async listRetirable(region, retiringPrincipal, limit, after) {
      const rows = await db.rows<GrantRow>(`SELECT * FROM kms_grants WHERE region = $1 AND retiring_principal = $2 AND seq > $3
        ORDER BY seq LIMIT $4`, [region, retiringPrincipal, grantPosition(after), limit + 1]);
      return grantPage(rows, limit);
    },
    async forGrantee(ref, principals) {
      if (principals.length === 0) return [];
      return (await db.rows<GrantRow>(`SELECT * FROM kms_grants WHERE ${REF} AND grantee_principal = ANY($4::text[]) ORDER BY seq`,
        [...refParams(ref), principals])).map(toGrant);
    },
    async findByRule(ref, principals, operation, rules, mask = 0, scan) {
      if (principals.length === 0) return undefined;
      const args = [...refParams(ref), operation, principals, mask];
      const hit = await db.one<{ grant_id: string }>(`SELECT grant_id FROM kms_grant_rules WHERE ${REF} AND operation = $4
          AND grantee_principal = ANY($5::text[]) AND (mask & $6) = $6 AND rule = ANY($7::text[]) LIMIT 1`, [...args, rules]);
      if (hit || !scan) return hit?.grant_id;
      const rows = await db.rows<{ rule: string; grant_id: string }>(`SELECT rule, grant_id FROM kms_grant_rules WHERE ${REF}
        AND operation = $4 AND grantee_principal = ANY($5::text[]) AND (mask & $6) = $6`, args);
      return rows.find((r) => scan(r.rule))?.grant_id;
    },
    async delete(ref, grantId) {
      // Tokens and authorization rows go with the grant (ON DELETE CASCADE).
      return (await db.run(`DELETE FROM kms_grants WHERE ${REF} AND grant_id = $4`, [...refParams(ref), grantId])) > 0;
    },
  };
}
