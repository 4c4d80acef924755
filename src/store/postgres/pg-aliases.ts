import type { KmsAlias, Tags } from '../../domain/key.js';
import { AliasQuotaError, type AliasStore, type Page, type TagStore } from '../ports.js';
import type { PgDatabase, PgQueries } from './pool.js';
import { toAlias, type AliasRow } from '../alias-rows.js';

/**
 * A transaction-scoped lock on one name (a key's alias count, a key's tag set), held until
 * commit: count-then-write stays atomic with writers on every node.
 */
export const lockName = (tx: PgQueries, ...parts: string[]) =>
  tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [JSON.stringify(parts)]);

export function pgAliasStore(db: PgDatabase): AliasStore {
  const select = `SELECT * FROM aliases WHERE account = $1 AND region = $2 AND alias_name = $3`;
  /** Whether the target already has `max` aliases besides this one (at most max + 1 index entries read). */
  const full = async (tx: PgQueries, a: KmsAlias, max: number | undefined) => {
    if (max === undefined) return false;
    await lockName(tx, 'alias-target', a.account, a.region, a.targetKeyId);
    const r = await tx.one<{ n: number }>(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM aliases WHERE account = $1 AND region = $2
      AND target_key_id = $3 AND alias_name <> $4 LIMIT $5) t`, [a.account, a.region, a.targetKeyId, a.aliasName, max]);
    return r!.n >= max;
  };
  return {
    async create(a, maxPerKey) {
      return db.transaction(async (tx) => {
        if (await tx.one(select, [a.account, a.region, a.aliasName])) return false;
        if (await full(tx, a, maxPerKey)) throw new AliasQuotaError();
        return (await tx.run(`INSERT INTO aliases (account, region, alias_name, target_key_id, creation_date, last_updated_date)
          VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [a.account, a.region, a.aliasName, a.targetKeyId, a.creationDate.getTime(), a.lastUpdatedDate.getTime()])) === 1;
      });
    },
    async get(account, region, aliasName) {
      const row = await db.one<AliasRow>(select, [account, region, aliasName]);
      return row && toAlias(row);
    },
    async list(account, region, limit, after, targetKeyId): Promise<Page<KmsAlias>> {
      const rows = await db.rows<AliasRow>(`SELECT * FROM aliases WHERE account = $1 AND region = $2 AND alias_name > $3
        AND ($4::text IS NULL OR target_key_id = $4) ORDER BY alias_name LIMIT $5`, [account, region, after ?? '', targetKeyId ?? null, limit + 1]);
      const items = rows.slice(0, limit).map(toAlias);
      return { items, next: rows.length > limit ? items[items.length - 1]!.aliasName : undefined };
    },
    async update(a, expectedTargetKeyId, maxPerKey) {
      return db.transaction(async (tx) => {
        if (await full(tx, a, maxPerKey)) throw new AliasQuotaError();
        return (await tx.run(`UPDATE aliases SET target_key_id = $1, last_updated_date = $2
          WHERE account = $3 AND region = $4 AND alias_name = $5 AND ($6::text IS NULL OR target_key_id = $6)`,
        [a.targetKeyId, a.lastUpdatedDate.getTime(), a.account, a.region, a.aliasName, expectedTargetKeyId ?? null])) > 0;
      });
    },
    async delete(account, region, aliasName, expectedTargetKeyId) {
      return (await db.run(`DELETE FROM aliases WHERE account = $1 AND region = $2 AND alias_name = $3 AND ($4::text IS NULL OR target_key_id = $4)`,
        [account, region, aliasName, expectedTargetKeyId ?? null])) > 0;
    },
  };
}

export function pgTagStore(db: PgDatabase): TagStore {
  const read = async (q: PgQueries, ref: { account: string; region: string; keyId: string }): Promise<Tags> => {
    const rows = await q.rows<{ tag_key: string; tag_value: string }>(`SELECT tag_key, tag_value FROM key_tags
      WHERE account = $1 AND region = $2 AND key_id = $3 ORDER BY tag_key`, [ref.account, ref.region, ref.keyId]);
    return Object.fromEntries(rows.map((r) => [r.tag_key, r.tag_value]));
  };
  return {
    get: (ref) => read(db, ref),
    async put(ref, tags, maxTags) {
      return db.transaction(async (tx) => {
        await lockName(tx, 'key-tags', ref.account, ref.region, ref.keyId);
        if (Object.keys({ ...(await read(tx, ref)), ...tags }).length > maxTags) return false;
        for (const [tagKey, tagValue] of Object.entries(tags)) {
          await tx.run(`INSERT INTO key_tags (account, region, key_id, tag_key, tag_value) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (account, region, key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`, [ref.account, ref.region, ref.keyId, tagKey, tagValue]);
        }
        return true;
      });
    },
    async remove(ref, tagKeys) {
      if (tagKeys.length === 0) return;
      await db.run(`DELETE FROM key_tags WHERE account = $1 AND region = $2 AND key_id = $3 AND tag_key = ANY($4::text[])`,
        [ref.account, ref.region, ref.keyId, tagKeys]);
    },
  };
}
