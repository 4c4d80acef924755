import { writeTransaction } from './transaction.js';
import type Database from 'better-sqlite3';
import type { KmsAlias, Tags } from '../../domain/key.js';
import { AliasQuotaError, type AliasStore, type Page, type TagStore } from '../ports.js';
import { toAlias, type AliasRow } from '../alias-rows.js';

export function sqliteAliasStore(db: Database.Database): AliasStore {
  const insert = db.prepare(`INSERT OR IGNORE INTO aliases (account, region, alias_name, target_key_id, creation_date, last_updated_date)
    VALUES (?, ?, ?, ?, ?, ?)`);
  const select = db.prepare(`SELECT * FROM aliases WHERE account = ? AND region = ? AND alias_name = ?`);
  const page = db.prepare(`SELECT * FROM aliases WHERE account = @account AND region = @region AND alias_name > @after
      AND (@target IS NULL OR target_key_id = @target) ORDER BY alias_name LIMIT @limit`);
  const update = db.prepare(`UPDATE aliases SET target_key_id = @target, last_updated_date = @updated
    WHERE account = @account AND region = @region AND alias_name = @name AND (@expected IS NULL OR target_key_id = @expected)`);
  const remove = db.prepare(`DELETE FROM aliases
    WHERE account = @account AND region = @region AND alias_name = @name AND (@expected IS NULL OR target_key_id = @expected)`);
  // Uses aliases_target; at most maxPerKey + 1 index entries are read.
  const countForKey = db.prepare(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM aliases WHERE account = ? AND region = ? AND target_key_id = ?
      AND alias_name <> ? LIMIT ?)`);
  const full = (a: KmsAlias, max: number | undefined) =>
    max !== undefined && (countForKey.get(a.account, a.region, a.targetKeyId, a.aliasName, max) as { n: number }).n >= max;
  const create = writeTransaction(db, (a: KmsAlias, max: number | undefined) => {
    if (select.get(a.account, a.region, a.aliasName) !== undefined) return false;
    if (full(a, max)) throw new AliasQuotaError();
    return insert.run(a.account, a.region, a.aliasName, a.targetKeyId, a.creationDate.getTime(), a.lastUpdatedDate.getTime()).changes === 1;
  });
  const retarget = writeTransaction(db, (a: KmsAlias, expected: string | undefined, max: number | undefined) => {
    if (full(a, max)) throw new AliasQuotaError();
    const params = { target: a.targetKeyId, updated: a.lastUpdatedDate.getTime(), account: a.account, region: a.region, name: a.aliasName };
    return update.run({ ...params, expected: expected ?? null }).changes > 0;
  });
  return {
    async create(a, maxPerKey) {
      return create(a, maxPerKey);
    },
    async get(account, region, aliasName) {
      const row = select.get(account, region, aliasName) as AliasRow | undefined;
      return row && toAlias(row);
    },
    async list(account, region, limit, after, targetKeyId): Promise<Page<KmsAlias>> {
      const rows = page.all({ account, region, after: after ?? '', target: targetKeyId ?? null, limit: limit + 1 }) as AliasRow[];
      const items = rows.slice(0, limit).map(toAlias);
      return { items, next: rows.length > limit ? items[items.length - 1].aliasName : undefined };
    },
    async update(a, expectedTargetKeyId, maxPerKey) {
      return retarget(a, expectedTargetKeyId, maxPerKey);
    },
    async delete(account, region, aliasName, expectedTargetKeyId) {
      return remove.run({ account, region, name: aliasName, expected: expectedTargetKeyId ?? null }).changes > 0;
    },
  };
}

export function sqliteTagStore(db: Database.Database): TagStore {
  const select = db.prepare(`SELECT tag_key, tag_value FROM key_tags WHERE account = @account AND region = @region AND key_id = @keyId ORDER BY tag_key`);
  const upsert = db.prepare(`INSERT INTO key_tags (account, region, key_id, tag_key, tag_value) VALUES (@account, @region, @keyId, @tagKey, @tagValue)
    ON CONFLICT (account, region, key_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`);
  const remove = db.prepare(`DELETE FROM key_tags WHERE account = @account AND region = @region AND key_id = @keyId AND tag_key = @tagKey`);
  const read = (ref: object): Tags => {
    const rows = select.all(ref) as { tag_key: string; tag_value: string }[];
    return Object.fromEntries(rows.map((r) => [r.tag_key, r.tag_value]));
  };
  const put = writeTransaction(db, (ref: object, tags: Tags, maxTags: number) => {
    const merged = { ...read(ref), ...tags };
    if (Object.keys(merged).length > maxTags) return false;
    for (const [tagKey, tagValue] of Object.entries(tags)) upsert.run({ ...ref, tagKey, tagValue });
    return true;
  });
  const removeAll = writeTransaction(db, (ref: object, keys: string[]) => {
    for (const tagKey of keys) remove.run({ ...ref, tagKey });
  });
  return {
    async get(ref) {
      return read(ref);
    },
    async put(ref, tags, maxTags) {
      return put(ref, tags, maxTags);
    },
    async remove(ref, tagKeys) {
      removeAll(ref, tagKeys);
    },
  };
}
