import { timingSafeEqual } from 'node:crypto';
import { secretOf } from '../auth/credentials.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { AccessKeyRecord, PrincipalType, Store } from '../store/ports.js';
import { createOnce } from './seed-create.js';
import type { SeedAccessKey } from './seed-types.js';

/**
 * AAD binding a wrapped secret access key to its access key id. MUST stay identical to
 * `secretAad` in src/auth/credentials.ts (test/unit/seed-apply.test.ts checks that
 * resolveAccessKey reads what this writes). Replace with an export from credentials.ts when
 * it offers one for storing a given secret.
 */
const secretAad = (accessKeyId: string) => `locksmith:access-key-secret:v1:${accessKeyId}`;

export interface AccessKeyOwner {
  account: string;
  type: PrincipalType;
  arn: string;
  /** The user's unique id (AIDA…) or, for root, the account id. */
  id: string;
}

/** Stores a long-term access key with a given secret, wrapped under the root key (as createAccessKey does). */
export async function storeAccessKey(
  store: Store,
  keyring: RootKeyring,
  owner: AccessKeyOwner,
  key: SeedAccessKey,
  createdAt: Date,
  status: AccessKeyRecord['status'] = 'Active',
): Promise<void> {
  await store.credentials.putAccessKey({
    accessKeyId: key.accessKeyId,
    account: owner.account,
    principalType: owner.type,
    principalArn: owner.arn,
    principalId: owner.id,
    wrappedSecret: keyring.wrap(Buffer.from(key.secretAccessKey, 'utf8'), secretAad(key.accessKeyId)),
    status,
    createdAt,
  });
}

/** Whether a stored access key belongs to `owner` (same account, principal type and ARN). */
export const ownedBy = (record: AccessKeyRecord, owner: Pick<AccessKeyOwner, 'account' | 'type' | 'arn'>) =>
  record.account === owner.account && record.principalType === owner.type && record.principalArn === owner.arn;

/**
 * Creates the access key, or replaces its secret when the seed gives another one (keeping its
 * status and creation date). The caller has checked that an existing key belongs to `owner`.
 */
export async function upsertAccessKey(
  store: Store,
  keyring: RootKeyring,
  owner: AccessKeyOwner,
  key: SeedAccessKey,
  now: Date,
): Promise<'created' | 'updated' | 'unchanged'> {
  const existing = await store.credentials.getAccessKey(key.accessKeyId);
  if (!existing) {
    const exists = async () => (await store.credentials.getAccessKey(key.accessKeyId)) !== undefined;
    return createOnce(() => storeAccessKey(store, keyring, owner, key, now), exists);
  }
  const stored = Buffer.from(secretOf(keyring, existing), 'utf8');
  const given = Buffer.from(key.secretAccessKey, 'utf8');
  if (stored.length === given.length && timingSafeEqual(stored, given)) return 'unchanged';
  await store.credentials.deleteAccessKey(key.accessKeyId);
  await storeAccessKey(store, keyring, { ...owner, id: existing.principalId || owner.id }, key, existing.createdAt, existing.status);
  return 'updated';
}
