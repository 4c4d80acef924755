/**
 * Fixtures for the store contract suite. Every test works in fresh random accounts, so the
 * suite stays correct when an adapter hands back a database shared with other tests (PostgreSQL).
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { KmsAlias, KmsKey } from '../../src/domain/key.js';
import type { AccessKeyRecord, KeyRef, Page, StoredKeyMaterial, Store } from '../../src/store/ports.js';

export const REGION = 'us-east-1';
export const OTHER_REGION = 'eu-west-1';
/** Millisecond-precision instant; every adapter must keep at least milliseconds. */
export const T0 = new Date('2024-03-01T12:34:56.789Z');

export const at = (ms: number): Date => new Date(T0.getTime() + ms);

/** A fresh 12-digit account id, so concurrent or repeated runs never see each other's rows. */
export function newAccount(): string {
  return String(randomInt(100_000_000_000, 1_000_000_000_000));
}

export const materialId = (fill: number): string => Buffer.alloc(32, fill).toString('hex');

export function makeKey(account: string, region = REGION, overrides: Partial<KmsKey> = {}): KmsKey {
  const keyId = overrides.keyId ?? randomUUID();
  return {
    account,
    region,
    keyId,
    arn: `arn:aws:kms:${region}:${account}:key/${keyId}`,
    creationDate: T0,
    description: 'a key',
    keyUsage: 'ENCRYPT_DECRYPT',
    keySpec: 'SYMMETRIC_DEFAULT',
    origin: 'AWS_KMS',
    keyManager: 'CUSTOMER',
    multiRegion: false,
    lifecycle: { state: 'Enabled' },
    policy: '{"Version":"2012-10-17","Statement":[]}',
    currentKeyMaterialId: materialId(1),
    ...overrides,
  };
}

export function makeMaterial(key: KmsKey, wrapped?: Buffer): StoredKeyMaterial {
  return {
    keyMaterialId: key.currentKeyMaterialId!,
    createdAt: key.creationDate,
    // Includes 0x00 and 0xff so an adapter that treats the blob as text gets caught.
    wrapped: wrapped ?? Buffer.concat([Buffer.from([0x00, 0xff, 0x7f, 0x80]), Buffer.from(key.keyId)]),
  };
}

export const refOf = (k: { account: string; region: string; keyId: string }): KeyRef => ({
  account: k.account,
  region: k.region,
  keyId: k.keyId,
});

/** Creates a key with its material and tags; returns the key. */
export async function createKey(
  store: Store,
  account: string,
  region = REGION,
  overrides: Partial<KmsKey> = {},
  tags: Record<string, string> = {},
): Promise<KmsKey> {
  const key = makeKey(account, region, overrides);
  await store.keys.create(key, [makeMaterial(key)], tags);
  return key;
}

export function makeAlias(account: string, aliasName: string, targetKeyId: string, region = REGION): KmsAlias {
  return { account, region, aliasName, targetKeyId, creationDate: T0, lastUpdatedDate: T0 };
}

export function makeAccessKey(account: string, overrides: Partial<AccessKeyRecord> = {}): AccessKeyRecord {
  return {
    accessKeyId: 'AKIA' + randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(),
    account,
    principalType: 'Root',
    principalId: account,
    principalArn: `arn:aws:iam::${account}:root`,
    wrappedSecret: Buffer.from([0x01, 0x00, 0xfe, 0xff, 0x42]),
    status: 'Active',
    createdAt: T0,
    ...overrides,
  };
}

/** Follows `next` until the end, returning every page. Fails on a runaway loop. */
export async function allPages<T>(fetch: (after?: string) => Promise<Page<T>>): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let after: string | undefined;
  do {
    const page = await fetch(after);
    pages.push(page);
    after = page.next;
    if (pages.length > 100) throw new Error('pagination did not terminate');
  } while (after !== undefined);
  return pages;
}

/** Code-unit order; equals UTF-8 byte order for the ASCII names used here. */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
