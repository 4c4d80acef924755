import { accountRootArn } from '../domain/arn.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { Random } from '../crypto/random.js';
import type { Principal } from '../domain/call-context.js';
import type { AccessKeyRecord, PrincipalType, Store } from '../store/ports.js';

/** AAD binding a wrapped secret access key to its access key id. */
const secretAad = (accessKeyId: string) => `locksmith:access-key-secret:v1:${accessKeyId}`;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface AccessKeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AccessKeyOwner {
  account: string;
  type: PrincipalType;
  arn: string;
  /** The user's unique id (AIDA…) or, for root, the account id. */
  id: string;
}

/** Stores a long-term access key with the given secret, wrapped under the root key. */
export async function storeAccessKey(
  store: Store,
  keyring: RootKeyring,
  owner: AccessKeyOwner,
  key: AccessKeyPair,
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

/** Issues a new long-term access key (AKIA…, 40-character secret) for a principal. */
export async function createAccessKey(
  store: Store,
  keyring: RootKeyring,
  random: Random,
  now: Date,
  owner: AccessKeyOwner,
): Promise<AccessKeyPair> {
  const key = {
    accessKeyId: 'AKIA' + [...random.bytes(16)].map((b) => BASE32[b & 31]).join(''),
    secretAccessKey: random.bytes(30).toString('base64'),
  };
  await storeAccessKey(store, keyring, owner, key, now);
  return key;
}

export const rootPrincipal = (account: string) => ({ account, type: 'Root' as const, arn: accountRootArn(account), id: account });

/** Recovers the plaintext secret of a stored access key (for SigV4 verification). */
export function secretOf(keyring: RootKeyring, record: AccessKeyRecord): string {
  return keyring.unwrap(record.wrappedSecret, secretAad(record.accessKeyId)).toString('utf8');
}

/** Resolves an access key id to its principal and secret; undefined for unknown or inactive keys. */
export async function resolveAccessKey(
  store: Store,
  keyring: RootKeyring,
  accessKeyId: string,
): Promise<{ principal: Principal; secretAccessKey: string } | undefined> {
  const record = await store.credentials.getAccessKey(accessKeyId);
  if (!record || record.status !== 'Active') return undefined;
  // An IAM user's tags are its principal tags (aws:PrincipalTag/<key>), read per request.
  const principal =
    record.principalType === 'Root'
      ? longTermPrincipal(record)
      : longTermPrincipal(record, await store.iam.getTags(record.account, 'user', userNameOf(record)));
  return {
    principal,
    secretAccessKey: secretOf(keyring, record),
  };
}

const userNameOf = (record: AccessKeyRecord) => record.principalArn.slice(record.principalArn.lastIndexOf('/') + 1);

/** The principal behind a long-term access key (root or IAM user), built in one literal per request. */
function longTermPrincipal(record: AccessKeyRecord, tags?: Record<string, string>): Principal {
  if (record.principalType === 'Root') {
    return { arn: record.principalArn, account: record.account, accessKeyId: record.accessKeyId, type: 'Root', userId: record.account };
  }
  return {
    arn: record.principalArn,
    account: record.account,
    accessKeyId: record.accessKeyId,
    type: 'IAMUser',
    userName: userNameOf(record),
    userId: record.principalId,
    tags,
  };
}
