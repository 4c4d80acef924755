import type { KmsKey } from '../../domain/key.js';
import { AwsError, KMSInvalidStateException } from '../../errors/aws-error.js';
import { InvalidPagePositionError, type KeyChange, type KeyReads, type KeyRef, type KeyStore, type KeyTransactionResult, type Page, type StoredKeyMaterial } from '../ports.js';
import type { PgDatabase, PgQueries } from './pool.js';
import { MUTABLE_COLUMNS, toKey, toMaterial, type KeyRow, type MaterialRow } from '../key-rows.js';
import { PUT_MATERIAL, UPDATE_KEY, materialParams, mutableParams } from './pg-key-rows.js';

const REF = 'account = $1 AND region = $2 AND key_id = $3';
const refParams = (r: KeyRef) => [r.account, r.region, r.keyId];
const refOf = (key: KmsKey): KeyRef => ({ account: key.account, region: key.region, keyId: key.keyId });
const refId = (r: KeyRef) => `${r.account}\u0000${r.region}\u0000${r.keyId}`;
type RefRow = { account: string; region: string; key_id: string };
const refs = (rows: RefRow[]): KeyRef[] => rows.map((r) => ({ account: r.account, region: r.region, keyId: r.key_id }));

/** Rounds of `transact` (each loads what the previous one asked for) before giving up. */
const MAX_ROUNDS = 16;

async function applyChanges(tx: PgQueries, changes: KeyChange[]): Promise<void> {
  for (const { key, materials } of changes) {
    const ref = refOf(key);
    await tx.run(UPDATE_KEY, [...refParams(ref), ...mutableParams(key)]);
    for (const m of materials ?? []) await tx.run(PUT_MATERIAL, materialParams(ref, m));
  }
}

/**
 * `transact` on PostgreSQL. `fn` is synchronous (KeyReads), but rows come from the database
 * asynchronously, so `fn` runs against the rows loaded so far: a read of a row not yet loaded
 * answers "absent" and is noted; when a run noted any, those rows are loaded — locked with
 * SELECT … FOR UPDATE, so they cannot change until the transaction ends — and `fn` runs again on
 * everything loaded. The run that noted nothing saw only locked, current rows: its changes (or
 * its error) are the transaction's.
 */
async function transactOn<T>(tx: PgQueries, fn: (r: KeyReads) => KeyTransactionResult<T>): Promise<T> {
  const keys = new Map<string, KmsKey | null>();
  const regions = new Map<string, KmsKey[]>();
  const materials = new Map<string, StoredKeyMaterial[]>();
  const lockKey = async (ref: KeyRef) => {
    const row = await tx.one<KeyRow>(`SELECT * FROM kms_keys WHERE ${REF} FOR UPDATE`, refParams(ref));
    keys.set(refId(ref), row ? toKey(row) : null);
  };
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const wantKeys: KeyRef[] = [];
    const wantRegions: Array<[string, string]> = [];
    const wantMaterials: KeyRef[] = [];
    const reads: KeyReads = {
      get(ref) {
        const k = keys.get(refId(ref));
        if (k === undefined) wantKeys.push(ref);
        return k ?? undefined;
      },
      regionsOf(account, keyId) {
        const r = regions.get(`${account}\u0000${keyId}`);
        if (!r) wantRegions.push([account, keyId]);
        return r ?? [];
      },
      listMaterials(ref) {
        const m = materials.get(refId(ref));
        if (!m) wantMaterials.push(ref);
        return m ?? [];
      },
    };
    let outcome: { ok: KeyTransactionResult<T> } | { error: unknown };
    try {
      outcome = { ok: fn(reads) };
    } catch (error) {
      outcome = { error };
    }
    if (wantKeys.length + wantRegions.length + wantMaterials.length === 0) {
      if ('error' in outcome) throw outcome.error;
      await applyChanges(tx, outcome.ok.changes);
      return outcome.ok.result;
    }
    for (const ref of wantKeys) if (!keys.has(refId(ref))) await lockKey(ref);
    for (const [account, keyId] of wantRegions) {
      // Row locks cannot keep out a row not yet there: a replica being created holds a share lock
      // on the copies that exist (createReplica), so this waits for it, and the second statement
      // (a new snapshot) sees it; no replica can be created after it while these locks are held.
      await tx.run(`SELECT 1 FROM kms_keys WHERE account = $1 AND key_id = $2 ORDER BY seq FOR UPDATE`, [account, keyId]);
      const rows = await tx.rows<KeyRow>(`SELECT * FROM kms_keys WHERE account = $1 AND key_id = $2 ORDER BY seq FOR UPDATE`, [account, keyId]);
      const list = rows.map(toKey);
      for (const k of list) keys.set(refId(refOf(k)), k);
      regions.set(`${account}\u0000${keyId}`, list);
    }
    for (const ref of wantMaterials) {
      // Materials change only together with their key's row: locking the key locks them.
      if (!keys.has(refId(ref))) await lockKey(ref);
      const rows = await tx.rows<MaterialRow>(`SELECT * FROM key_materials WHERE ${REF} ORDER BY created_at, material_id`, refParams(ref));
      materials.set(refId(ref), rows.map(toMaterial));
    }
  }
  throw new Error('key transaction kept asking for rows it had not read');
}

/**
 * Before a Multi-Region replica's row is inserted: a share lock on the key's existing copies (so a
 * transaction reading its regions waits for this one, or this one for it), then the primary as
 * committed. ReplicateKey built the replica from the primary read earlier; if the primary has
 * since rotated to another material or been scheduled for deletion, the replica would not match
 * it, and is refused.
 */
async function lockForReplica(tx: PgQueries, replica: KmsKey): Promise<void> {
  const rows = await tx.rows<Pick<KeyRow, 'region' | 'arn' | 'state' | 'current_material_id'>>(`SELECT region, arn, state, current_material_id FROM kms_keys
    WHERE account = $1 AND key_id = $2 ORDER BY seq FOR SHARE`, [replica.account, replica.keyId]);
  const primary = rows.find((r) => r.region === replica.primaryRegion);
  if (primary?.state === 'PendingDeletion') throw KMSInvalidStateException(`${primary.arn} is pending deletion.`);
  if (primary && primary.current_material_id !== (replica.currentKeyMaterialId ?? null)) {
    // The model's ConflictException: "an automatic rotation of this key is currently in progress".
    // Unverified: AWS's message text for this case.
    throw new AwsError('ConflictException', `${primary.arn} was rotated while its replica was being created. Retry the request.`);
  }
}

export function pgKeyStore(db: PgDatabase): KeyStore {
  const insertColumns = ['account', 'region', 'key_id', 'arn', 'creation_date', 'key_usage', 'key_spec', 'origin', 'key_manager', 'multi_region', ...MUTABLE_COLUMNS];
  const insertKey = `INSERT INTO kms_keys (${insertColumns.join(', ')}) VALUES (${insertColumns.map((_, i) => `$${i + 1}`).join(', ')})`;
  return {
    async create(key, materials, tags) {
      await db.transaction(async (tx) => {
        const ref = refOf(key);
        if (key.multiRegion && key.primaryRegion !== undefined && key.primaryRegion !== key.region) await lockForReplica(tx, key);
        await tx.run(insertKey, [...refParams(ref), key.arn, key.creationDate.getTime(), key.keyUsage, key.keySpec, key.origin, key.keyManager,
          key.multiRegion, ...mutableParams(key)]);
        for (const m of materials) await tx.run(PUT_MATERIAL, materialParams(ref, m));
        for (const [tagKey, tagValue] of Object.entries(tags)) {
          await tx.run(`INSERT INTO key_tags (account, region, key_id, tag_key, tag_value) VALUES ($1, $2, $3, $4, $5)`, [...refParams(ref), tagKey, tagValue]);
        }
      });
    },
    async get(ref) {
      const row = await db.one<KeyRow>(`SELECT * FROM kms_keys WHERE ${REF}`, refParams(ref));
      return row && toKey(row);
    },
    async list(account, region, limit, after): Promise<Page<KmsKey>> {
      if (after !== undefined && !/^\d{1,15}$/.test(after)) throw new InvalidPagePositionError();
      const rows = await db.rows<KeyRow>(`SELECT * FROM kms_keys WHERE account = $1 AND region = $2 AND seq > $3 ORDER BY seq LIMIT $4`,
        [account, region, after === undefined ? 0 : Number(after), limit + 1]);
      const items = rows.slice(0, limit);
      return { items: items.map(toKey), next: rows.length > limit ? String(items[items.length - 1]!.seq) : undefined };
    },
    async update(key) {
      await db.transaction((tx) => applyChanges(tx, [{ key }]));
    },
    async apply(changes) {
      await db.transaction((tx) => applyChanges(tx, changes));
    },
    async transact<T>(fn: (r: KeyReads) => KeyTransactionResult<T>) {
      return db.transaction((tx) => transactOn(tx, fn));
    },
    async regionsOf(account, keyId) {
      return (await db.rows<KeyRow>(`SELECT * FROM kms_keys WHERE account = $1 AND key_id = $2 ORDER BY seq`, [account, keyId])).map(toKey);
    },
    async listMaterials(ref) {
      return (await db.rows<MaterialRow>(`SELECT * FROM key_materials WHERE ${REF} ORDER BY created_at, material_id`, refParams(ref))).map(toMaterial);
    },
    async dueForRotation(now) {
      return refs(await db.rows<RefRow>(`SELECT account, region, key_id FROM kms_keys WHERE next_rotation_date IS NOT NULL AND next_rotation_date <= $1`, [now.getTime()]));
    },
    async dueForExpiry(now) {
      return refs(await db.rows<RefRow>(`SELECT DISTINCT account, region, key_id FROM key_materials
        WHERE valid_to IS NOT NULL AND wrapped IS NOT NULL AND valid_to <= $1`, [now.getTime()]));
    },
    async destroy(ref, dueAt) {
      return db.transaction(async (tx) => {
        const row = await tx.one<KeyRow>(`SELECT * FROM kms_keys WHERE ${REF} FOR UPDATE`, refParams(ref));
        if (dueAt !== undefined && (row?.state !== 'PendingDeletion' || row.deletion_date === null || row.deletion_date > dueAt.getTime())) return false;
        // Grant tokens and the grants' authorization rows go with their grants (ON DELETE CASCADE).
        for (const table of ['key_materials', 'key_tags', 'kms_grants']) await tx.run(`DELETE FROM ${table} WHERE ${REF}`, refParams(ref));
        await tx.run(`DELETE FROM aliases WHERE account = $1 AND region = $2 AND target_key_id = $3`, refParams(ref));
        return (await tx.run(`DELETE FROM kms_keys WHERE ${REF}`, refParams(ref))) > 0;
      });
    },
    async dueForDeletion(now) {
      return refs(await db.rows<RefRow>(`SELECT account, region, key_id FROM kms_keys WHERE deletion_date IS NOT NULL AND deletion_date <= $1`, [now.getTime()]));
    },
    async getMaterial(ref, keyMaterialId) {
      const row = await db.one<MaterialRow>(`SELECT * FROM key_materials WHERE ${REF} AND material_id = $4`, [...refParams(ref), keyMaterialId]);
      return row && toMaterial(row);
    },
  };
}
