import type Database from 'better-sqlite3';
import type { KeyLifecycle, KmsKey, Tags } from '../../domain/key.js';
import { InvalidPagePositionError, type KeyRef, type KeyStore, type Page, type StoredKeyMaterial } from '../ports.js';

interface KeyRow {
  seq: number;
  account: string;
  region: string;
  key_id: string;
  arn: string;
  creation_date: number;
  description: string;
  key_usage: string;
  key_spec: string;
  origin: string;
  key_manager: string;
  multi_region: number;
  state: string;
  deletion_date: number | null;
  pending_window_days: number | null;
  policy: string;
  current_material_id: string;
}

function lifecycleOf(row: KeyRow): KeyLifecycle {
  if (row.state === 'PendingDeletion') {
    return { state: 'PendingDeletion', deletionDate: new Date(row.deletion_date!), pendingWindowInDays: row.pending_window_days! };
  }
  return { state: row.state as Exclude<KeyLifecycle['state'], 'PendingDeletion'> };
}

function toKey(row: KeyRow): KmsKey {
  return {
    account: row.account,
    region: row.region,
    keyId: row.key_id,
    arn: row.arn,
    creationDate: new Date(row.creation_date),
    description: row.description,
    keyUsage: row.key_usage as KmsKey['keyUsage'],
    keySpec: row.key_spec,
    origin: row.origin as KmsKey['origin'],
    keyManager: row.key_manager as KmsKey['keyManager'],
    multiRegion: row.multi_region === 1,
    lifecycle: lifecycleOf(row),
    policy: row.policy,
    currentKeyMaterialId: row.current_material_id,
  };
}

function mutableColumns(key: KmsKey) {
  const l = key.lifecycle;
  return {
    description: key.description,
    state: l.state,
    deletion_date: l.state === 'PendingDeletion' ? l.deletionDate.getTime() : null,
    pending_window_days: l.state === 'PendingDeletion' ? l.pendingWindowInDays : null,
    policy: key.policy,
    current_material_id: key.currentKeyMaterialId,
  };
}

const REF = 'account = @account AND region = @region AND key_id = @keyId';

export function sqliteKeyStore(db: Database.Database): KeyStore {
  const insertKey = db.prepare(`INSERT INTO kms_keys (account, region, key_id, arn, creation_date, description, key_usage,
      key_spec, origin, key_manager, multi_region, state, deletion_date, pending_window_days, policy, current_material_id)
    VALUES (@account, @region, @keyId, @arn, @creationDate, @description, @keyUsage, @keySpec, @origin, @keyManager,
      @multiRegion, @state, @deletion_date, @pending_window_days, @policy, @current_material_id)`);
  const insertMaterial = db.prepare(`INSERT INTO key_materials (account, region, key_id, material_id, created_at, wrapped)
    VALUES (@account, @region, @keyId, @materialId, @createdAt, @wrapped)`);
  const insertTag = db.prepare(`INSERT INTO key_tags (account, region, key_id, tag_key, tag_value)
    VALUES (@account, @region, @keyId, @tagKey, @tagValue)`);
  const selectKey = db.prepare(`SELECT * FROM kms_keys WHERE ${REF}`);
  const selectPage = db.prepare(`SELECT * FROM kms_keys WHERE account = ? AND region = ? AND seq > ? ORDER BY seq LIMIT ?`);
  const updateKey = db.prepare(`UPDATE kms_keys SET description = @description, state = @state, deletion_date = @deletion_date,
      pending_window_days = @pending_window_days, policy = @policy, current_material_id = @current_material_id WHERE ${REF}`);
  const deleteRows = ['kms_keys', 'key_materials', 'key_tags', 'kms_grant_tokens', 'kms_grants'].map((t) => db.prepare(`DELETE FROM ${t} WHERE ${REF}`));
  const deleteAliases = db.prepare(`DELETE FROM aliases WHERE account = @account AND region = @region AND target_key_id = @keyId`);
  const selectDue = db.prepare(`SELECT account, region, key_id FROM kms_keys WHERE deletion_date IS NOT NULL AND deletion_date <= ?`);
  const selectMaterial = db.prepare(`SELECT * FROM key_materials WHERE ${REF} AND material_id = @materialId`);

  const create = db.transaction((key: KmsKey, material: StoredKeyMaterial, tags: Tags) => {
    const ref = { account: key.account, region: key.region, keyId: key.keyId };
    insertKey.run({
      ...ref,
      arn: key.arn,
      creationDate: key.creationDate.getTime(),
      keyUsage: key.keyUsage,
      keySpec: key.keySpec,
      origin: key.origin,
      keyManager: key.keyManager,
      multiRegion: key.multiRegion ? 1 : 0,
      ...mutableColumns(key),
    });
    insertMaterial.run({ ...ref, materialId: material.keyMaterialId, createdAt: material.createdAt.getTime(), wrapped: material.wrapped });
    for (const [tagKey, tagValue] of Object.entries(tags)) insertTag.run({ ...ref, tagKey, tagValue });
  });

  const destroy = db.transaction((ref: KeyRef) => {
    const removed = deleteRows[0].run(ref).changes > 0;
    for (const stmt of deleteRows.slice(1)) stmt.run(ref);
    deleteAliases.run(ref);
    return removed;
  });

  return {
    async create(key, material, tags) {
      create(key, material, tags);
    },
    async get(ref) {
      const row = selectKey.get(ref) as KeyRow | undefined;
      return row && toKey(row);
    },
    async list(account, region, limit, after): Promise<Page<KmsKey>> {
      if (after !== undefined && !/^\d{1,15}$/.test(after)) throw new InvalidPagePositionError();
      const rows = selectPage.all(account, region, after === undefined ? 0 : Number(after), limit + 1) as KeyRow[];
      const items = rows.slice(0, limit);
      return { items: items.map(toKey), next: rows.length > limit ? String(items[items.length - 1].seq) : undefined };
    },
    async update(key) {
      updateKey.run({ account: key.account, region: key.region, keyId: key.keyId, ...mutableColumns(key) });
    },
    async destroy(ref) {
      return destroy(ref);
    },
    async dueForDeletion(now) {
      const rows = selectDue.all(now.getTime()) as { account: string; region: string; key_id: string }[];
      return rows.map((r) => ({ account: r.account, region: r.region, keyId: r.key_id }));
    },
    async getMaterial(ref, keyMaterialId) {
      const row = selectMaterial.get({ ...ref, materialId: keyMaterialId }) as
        | { material_id: string; created_at: number; wrapped: Buffer }
        | undefined;
      return row && { keyMaterialId: row.material_id, createdAt: new Date(row.created_at), wrapped: row.wrapped };
    },
  };
}
