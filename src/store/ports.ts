import type { KmsAlias, KmsKey, Tags } from '../domain/key.js';
import type { AuditStore } from './audit-ports.js';
import type { GrantStore } from './grant-ports.js';
import type { IamStore, SessionStore } from './iam-ports.js';

/**
 * Storage ports. Every adapter (SQLite now, PostgreSQL later) implements these and passes
 * test/contract/store-contract.ts. Secrets cross this boundary only wrapped under the root key.
 */

/** Key material as stored: wrapped under the root key, never in plaintext. */
export interface StoredKeyMaterial {
  keyMaterialId: string;
  createdAt: Date;
  wrapped: Buffer;
}

/** A page of results; `next` is the opaque position to continue from. */
export interface Page<T> {
  items: T[];
  next?: string;
}

export interface KeyRef {
  account: string;
  region: string;
  keyId: string;
}

export interface KeyStore {
  /** Creates the key with its first material and tags atomically. */
  create(key: KmsKey, material: StoredKeyMaterial, tags: Tags): Promise<void>;
  get(ref: KeyRef): Promise<KmsKey | undefined>;
  /** Keys of one account and region, in creation order. `after` is a `next` from an earlier page. */
  list(account: string, region: string, limit: number, after?: string): Promise<Page<KmsKey>>;
  /** Replaces the key's mutable fields (description, lifecycle, policy, current material). */
  update(key: KmsKey): Promise<void>;
  /** Removes the key with all its material, aliases and tags. Returns false when it was absent. */
  destroy(ref: KeyRef): Promise<boolean>;
  /** Keys pending deletion whose deletion date is at or before `now`, in any account or region. */
  dueForDeletion(now: Date): Promise<KeyRef[]>;
  getMaterial(ref: KeyRef, keyMaterialId: string): Promise<StoredKeyMaterial | undefined>;
}

export interface AliasStore {
  /** Returns false when an alias of that name already exists in the account and region. */
  create(alias: KmsAlias): Promise<boolean>;
  get(account: string, region: string, aliasName: string): Promise<KmsAlias | undefined>;
  list(account: string, region: string, limit: number, after?: string, targetKeyId?: string): Promise<Page<KmsAlias>>;
  update(alias: KmsAlias): Promise<void>;
  delete(account: string, region: string, aliasName: string): Promise<boolean>;
}

export interface TagStore {
  get(ref: KeyRef): Promise<Tags>;
  /** Sets the given tags (overwriting values of existing keys) if the result has at most `maxTags`; returns false otherwise. */
  put(ref: KeyRef, tags: Tags, maxTags: number): Promise<boolean>;
  remove(ref: KeyRef, tagKeys: string[]): Promise<void>;
}

/** Who owns a long-term access key. */
export type PrincipalType = 'Root' | 'IAMUser';

export interface AccessKeyRecord {
  accessKeyId: string;
  account: string;
  principalType: PrincipalType;
  principalArn: string;
  /** The user's unique id (AIDA…) or, for root, the account id. */
  principalId: string;
  /** Secret access key wrapped under the root key. */
  wrappedSecret: Buffer;
  status: 'Active' | 'Inactive';
  createdAt: Date;
}

export interface CredentialStore {
  ensureAccount(account: string, createdAt: Date): Promise<void>;
  listAccounts(): Promise<string[]>;
  putAccessKey(record: AccessKeyRecord): Promise<void>;
  getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined>;
  listAccessKeys(account: string): Promise<AccessKeyRecord[]>;
  setAccessKeyStatus(accessKeyId: string, status: AccessKeyRecord['status']): Promise<boolean>;
  deleteAccessKey(accessKeyId: string): Promise<boolean>;
}

export interface Store {
  keys: KeyStore;
  aliases: AliasStore;
  tags: TagStore;
  credentials: CredentialStore;
  iam: IamStore;
  sessions: SessionStore;
  grants: GrantStore;
  audit: AuditStore;
  /** True when the store answers (for /ready). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** Thrown by a store when a paging position it did not produce is passed back. */
export class InvalidPagePositionError extends Error {
  constructor() {
    super('invalid page position');
  }
}
