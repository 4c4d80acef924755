import type { KeyLifecycle, KmsKey } from '../domain/key.js';
import type { StoredKeyMaterial } from './ports.js';

/** Row shapes of kms_keys and key_materials as both adapters (SQLite and PostgreSQL) read them, and their conversion to and from the port's records. SQLite stores booleans as 0 and 1. */
export interface KeyRow {
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
  multi_region: boolean | number;
  state: string;
  deletion_date: number | null;
  pending_window_days: number | null;
  policy: string;
  current_material_id: string | null;
  rotation_period_days: number | null;
  next_rotation_date: number | null;
  primary_region: string | null;
  transient_until: number | null;
}

export interface MaterialRow {
  material_id: string;
  created_at: number;
  wrapped: Buffer | null;
  rotation_type: string | null;
  pending_rotation: boolean | number;
  import_state: string | null;
  expiration_model: string | null;
  valid_to: number | null;
  description: string | null;
  fingerprint: Buffer | null;
}

function lifecycleOf(row: KeyRow): KeyLifecycle {
  if (row.state === 'PendingDeletion') {
    return { state: row.state, deletionDate: new Date(row.deletion_date!), pendingWindowInDays: row.pending_window_days! };
  }
  if (row.state === 'PendingReplicaDeletion') return { state: row.state, pendingWindowInDays: row.pending_window_days! };
  if (row.state === 'Creating' || row.state === 'Updating') return { state: row.state, until: new Date(row.transient_until!) };
  return { state: row.state as Exclude<KeyLifecycle['state'], 'PendingDeletion' | 'PendingReplicaDeletion' | 'Creating' | 'Updating'> };
}

/** Drops undefined members so a stored object compares equal to what was put. */
const defined = <T extends object>(o: T): T => {
  // A plain loop: this runs for every row of a ListKeys page (entries/filter/fromEntries showed in profiles).
  const out: Record<string, unknown> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
};

export function toMaterial(row: MaterialRow): StoredKeyMaterial {
  return defined({
    keyMaterialId: row.material_id,
    createdAt: new Date(row.created_at),
    wrapped: row.wrapped ?? undefined,
    rotationType: (row.rotation_type ?? undefined) as StoredKeyMaterial['rotationType'],
    pendingRotation: row.pending_rotation ? true : undefined,
    importState: (row.import_state ?? undefined) as StoredKeyMaterial['importState'],
    expirationModel: (row.expiration_model ?? undefined) as StoredKeyMaterial['expirationModel'],
    validTo: row.valid_to === null ? undefined : new Date(row.valid_to),
    description: row.description ?? undefined,
    fingerprint: row.fingerprint ?? undefined,
  });
}

export function toKey(row: KeyRow): KmsKey {
  return defined({
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
    multiRegion: row.multi_region === true || row.multi_region === 1,
    lifecycle: lifecycleOf(row),
    policy: row.policy,
    currentKeyMaterialId: row.current_material_id ?? undefined,
    rotation:
      row.next_rotation_date === null ? undefined : { periodInDays: row.rotation_period_days!, nextRotationDate: new Date(row.next_rotation_date) },
    primaryRegion: row.primary_region ?? undefined,
  });
}

export const MUTABLE_COLUMNS = [
  'description', 'state', 'deletion_date', 'pending_window_days', 'policy', 'current_material_id',
  'rotation_period_days', 'next_rotation_date', 'primary_region', 'transient_until',
] as const;

/** The values of a key's mutable columns, by column name. */
export function mutableValues(key: KmsKey): Record<(typeof MUTABLE_COLUMNS)[number], string | number | null> {
  const l = key.lifecycle;
  return {
    description: key.description,
    state: l.state,
    deletion_date: 'deletionDate' in l ? l.deletionDate.getTime() : null,
    pending_window_days: 'pendingWindowInDays' in l ? l.pendingWindowInDays : null,
    policy: key.policy,
    current_material_id: key.currentKeyMaterialId ?? null,
    rotation_period_days: key.rotation?.periodInDays ?? null,
    next_rotation_date: key.rotation?.nextRotationDate.getTime() ?? null,
    primary_region: key.primaryRegion ?? null,
    transient_until: 'until' in l ? l.until.getTime() : null,
  };
}
