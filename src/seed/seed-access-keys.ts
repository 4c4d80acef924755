import { timingSafeEqual } from 'node:crypto';
import { secretOf, storeAccessKey, type AccessKeyOwner } from '../auth/credentials.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { AccessKeyRecord, Store } from '../store/ports.js';
import { createOnce } from './seed-create.js';
import type { SeedAccessKey } from './seed-types.js';

export { storeAccessKey, type AccessKeyOwner } from '../auth/credentials.js';

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
