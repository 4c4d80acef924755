import { writeTransaction } from './transaction.js';
import type Database from 'better-sqlite3';
import type { KmsKey, Tags } from '../../domain/key.js';
import { MUTABLE_COLUMNS, mutableValues, toKey, toMaterial, type KeyRow, type MaterialRow } from '../key-rows.js';
import { InvalidPagePositionError, type KeyChange, type KeyReads, type KeyRef, type KeyStore, type KeyTransactionResult, type Page, type StoredKeyMaterial } from '../ports.js';

function materialColumns(ref: KeyRef, m: StoredKeyMaterial) {
  return {
    ...ref,
    materialId: m.keyMaterialId,
    createdAt: m.createdAt.getTime(),
    wrapped: m.wrapped ?? null,
    rotationType: m.rotationType ?? null,
    pendingRotation: m.pendingRotation ? 1 : 0,
    importState: m.importState ?? null,
    expirationModel: m.expirationModel ?? null,
    validTo: m.validTo?.getTime() ?? null,
    description: m.description ?? null,
    fingerprint: m.fingerprint ?? null,
  };
}

const REF = 'account = @account AND region = @region AND key_id = @keyId';

export function sqliteKeyStore(db: Database.Database): KeyStore {
  const insertKey = db.prepare(`INSERT INTO kms_keys (account, region, key_id, arn, creation_date, description, key_usage,
      key_spec, origin, key_manager, multi_region, state, deletion_date, pending_window_days, policy, current_material_id,
      rotation_period_days, next_rotation_date, primary_region, transient_until)
    VALUES (@account, @region, @keyId, @arn, @creationDate, @description, @keyUsage, @keySpec, @origin, @keyManager,
      @multiRegion, @state, @deletion_date, @pending_window_days, @policy, @current_material_id,
      @rotation_period_days, @next_rotation_date, @primary_region, @transient_until)`);
  const putMaterial = db.prepare(`INSERT OR REPLACE INTO key_materials (account, region, key_id, material_id, created_at, wrapped,
      rotation_type, pending_rotation, import_state, expiration_model, valid_to, description, fingerprint)
    VALUES (@account, @region, @keyId, @materialId, @createdAt, @wrapped, @rotationType, @pendingRotation, @importState,
      @expirationModel, @validTo, @description, @fingerprint)`);
  const insertTag = db.prepare(`INSERT INTO key_tags (account, region, key_id, tag_key, tag_value)
    VALUES (@account, @region, @keyId, @tagKey, @tagValue)`);
  const selectKey = db.prepare(`SELECT * FROM kms_keys WHERE ${REF}`);
  const selectPage = db.prepare(`SELECT * FROM kms_keys WHERE account = ? AND region = ? AND seq > ? ORDER BY seq LIMIT ?`);
  const updateKey = db.prepare(`UPDATE kms_keys SET ${MUTABLE_COLUMNS.map((c) => `${c} = @${c}`).join(', ')} WHERE ${REF}`);
  const deleteRows = ['kms_keys', 'key_materials', 'key_tags', 'kms_grant_tokens', 'kms_grants'].map((t) => db.prepare(`DELETE FROM ${t} WHERE ${REF}`));
  const deleteAliases = db.prepare(`DELETE FROM aliases WHERE account = @account AND region = @region AND target_key_id = @keyId`);
  const selectDue = db.prepare(`SELECT account, region, key_id FROM kms_keys WHERE deletion_date IS NOT NULL AND deletion_date <= ?`);
  const selectMaterial = db.prepare(`SELECT * FROM key_materials WHERE ${REF} AND material_id = @materialId`);
  const selectMaterials = db.prepare(`SELECT * FROM key_materials WHERE ${REF} ORDER BY created_at, material_id`);
  const selectRegions = db.prepare(`SELECT * FROM kms_keys WHERE account = ? AND key_id = ? ORDER BY seq`);
  const selectRotationDue = db.prepare(`SELECT account, region, key_id FROM kms_keys WHERE next_rotation_date IS NOT NULL AND next_rotation_date <= ?`);
  const selectExpiryDue = db.prepare(`SELECT DISTINCT account, region, key_id FROM key_materials
    WHERE valid_to IS NOT NULL AND wrapped IS NOT NULL AND valid_to <= ?`);
  const refs = (rows: { account: string; region: string; key_id: string }[]) =>
    rows.map((r) => ({ account: r.account, region: r.region, keyId: r.key_id }));
  const refOf = (key: KmsKey): KeyRef => ({ account: key.account, region: key.region, keyId: key.keyId });

  const applyChanges = (changes: KeyChange[]) => {
    for (const { key, materials } of changes) {
      const ref = refOf(key);
      updateKey.run({ ...ref, ...mutableValues(key) });
      for (const m of materials ?? []) putMaterial.run(materialColumns(ref, m));
    }
  };
  const apply = writeTransaction(db, applyChanges);

  const reads: KeyReads = {
    get: (ref) => {
      const row = selectKey.get(ref) as KeyRow | undefined;
      return row && toKey(row);
    },
    regionsOf: (account, keyId) => (selectRegions.all(account, keyId) as KeyRow[]).map(toKey),
    listMaterials: (ref) => (selectMaterials.all(ref) as MaterialRow[]).map(toMaterial),
  };
  // BEGIN IMMEDIATE: the rows `fn` reads cannot change, in this process or another, until it commits.
  const transact = writeTransaction(db, (fn: (r: KeyReads) => KeyTransactionResult<unknown>): unknown => {
    const { changes, result } = fn(reads);
    applyChanges(changes);
    return result;
  });

  const create = writeTransaction(db, (key: KmsKey, materials: StoredKeyMaterial[], tags: Tags) => {
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
      ...mutableValues(key),
    });
    for (const m of materials) putMaterial.run(materialColumns(ref, m));
    for (const [tagKey, tagValue] of Object.entries(tags)) insertTag.run({ ...ref, tagKey, tagValue });
  });

  const destroy = writeTransaction(db, (ref: KeyRef, dueAt?: Date) => {
    if (dueAt !== undefined) {
      const row = selectKey.get(ref) as KeyRow | undefined;
      if (row?.state !== 'PendingDeletion' || row.deletion_date === null || row.deletion_date > dueAt.getTime()) return false;
    }
    const removed = deleteRows[0].run(ref).changes > 0;
    for (const stmt of deleteRows.slice(1)) stmt.run(ref);
    deleteAliases.run(ref);
    return removed;
  });

  return {
    async create(key, materials, tags) {
      create(key, materials, tags);
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
      apply([{ key }]);
    },
    async apply(changes) {
      apply(changes);
    },
    async transact<T>(fn: (r: KeyReads) => KeyTransactionResult<T>) {
      return transact(fn) as T;
    },
    async regionsOf(account, keyId) {
      return (selectRegions.all(account, keyId) as KeyRow[]).map(toKey);
    },
    async listMaterials(ref) {
      return (selectMaterials.all(ref) as MaterialRow[]).map(toMaterial);
    },
    async dueForRotation(now) {
      return refs(selectRotationDue.all(now.getTime()) as { account: string; region: string; key_id: string }[]);
    },
    async dueForExpiry(now) {
      return refs(selectExpiryDue.all(now.getTime()) as { account: string; region: string; key_id: string }[]);
    },
    async destroy(ref, dueAt) {
      return destroy(ref, dueAt);
    },
    async dueForDeletion(now) {
      return refs(selectDue.all(now.getTime()) as { account: string; region: string; key_id: string }[]);
    },
    async getMaterial(ref, keyMaterialId) {
      const row = selectMaterial.get({ ...ref, materialId: keyMaterialId }) as MaterialRow | undefined;
      return row && toMaterial(row);
    },
  };
}
