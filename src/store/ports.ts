import type { KeyMaterialInfo, KmsAlias, KmsKey, Tags } from '../domain/key.js';
import type { AuditStore } from './audit-ports.js';
import type { GrantStore } from './grant-ports.js';
import type { KeyRef, Page } from './refs.js';
import type { IamStore, SessionStore } from './iam-ports.js';

export type { KeyRef, Page } from './refs.js';

/**
 * Storage ports. Every adapter (SQLite now, PostgreSQL later) implements these and passes
 * test/contract/store-contract.ts. Secrets cross this boundary only wrapped under the root key.
 */

/**
 * Key material as stored: wrapped under the root key, never in plaintext. `wrapped` is absent
 * when imported material was deleted or has expired (its metadata and fingerprint stay so
 * the same material can be imported again).
 */
export interface StoredKeyMaterial extends KeyMaterialInfo {
  wrapped?: Buffer;
  /** Keyed fingerprint of imported material (re-import must bring the same bytes). */
  fingerprint?: Buffer;
}

/** One key's new state and the materials to insert or replace, applied together. */
export interface KeyChange {
  key: KmsKey;
  materials?: StoredKeyMaterial[];
}

/**
 * What a key transaction reads: the rows as committed when it took the write lock. Synchronous,
 * because the transaction must not yield while it holds that lock.
 */
export interface KeyReads {
  get(ref: KeyRef): KmsKey | undefined;
  regionsOf(account: string, keyId: string): KmsKey[];
  listMaterials(ref: KeyRef): StoredKeyMaterial[];
}

/** What a key transaction writes (each key's mutable fields from the fresh row it read), and what it returns. */
export interface KeyTransactionResult<T> {
  changes: KeyChange[];
  result: T;
}

export interface KeyStore {
  /** Creates the key with its materials (none for an EXTERNAL key before import) and tags atomically. */
  create(key: KmsKey, materials: StoredKeyMaterial[], tags: Tags): Promise<void>;
  get(ref: KeyRef): Promise<KmsKey | undefined>;
  /** Keys of one account and region, in creation order. `after` is a `next` from an earlier page. */
  list(account: string, region: string, limit: number, after?: string): Promise<Page<KmsKey>>;
  /**
   * Replaces the key's mutable fields (description, lifecycle, policy, current material, rotation,
   * primary region) blindly, from the given copy. Services change keys through `transact`.
   */
  update(key: KmsKey): Promise<void>;
  /**
   * Applies several changes in one transaction: each key's mutable fields, and its materials
   * inserted or replaced (by keyMaterialId). Multi-Region keys change all their regions at once.
   * Blind like `update`: what depends on stored state goes through `transact`.
   */
  apply(changes: KeyChange[]): Promise<void>;
  /**
   * Read-modify-write of keys, linearizable with every other writer in any process: `fn` runs
   * synchronously inside one write transaction that holds the store's write lock (SQLite: BEGIN
   * IMMEDIATE), reads the current rows and returns the changes built from them. When it throws,
   * nothing changes. Use it for every change that depends on what is stored; `update` and `apply`
   * write whole rows blindly.
   */
  transact<T>(fn: (reads: KeyReads) => KeyTransactionResult<T>): Promise<T>;
  /** Every region's copy of a key id in one account (a Multi-Region key's primary and replicas). */
  regionsOf(account: string, keyId: string): Promise<KmsKey[]>;
  /** All materials of a key, oldest first. */
  listMaterials(ref: KeyRef): Promise<StoredKeyMaterial[]>;
  /** Keys with automatic rotation due at or before `now`, in any account or region. */
  dueForRotation(now: Date): Promise<KeyRef[]>;
  /** Keys with imported material whose ValidTo is at or before `now` and that still hold it. */
  dueForExpiry(now: Date): Promise<KeyRef[]>;
  /**
   * Removes the key with all its material, aliases and tags. Returns false when it was absent or,
   * with `dueAt`, when it is not (any more) pending deletion with a deletion date at or before it.
   */
  destroy(ref: KeyRef, dueAt?: Date): Promise<boolean>;
  /** Keys pending deletion whose deletion date is at or before `now`, in any account or region. */
  dueForDeletion(now: Date): Promise<KeyRef[]>;
  getMaterial(ref: KeyRef, keyMaterialId: string): Promise<StoredKeyMaterial | undefined>;
}

export interface AliasStore {
  /**
   * Returns false when an alias of that name already exists in the account and region. Throws
   * AliasQuotaError, storing nothing, when the target key already has `maxPerKey` aliases.
   */
  create(alias: KmsAlias, maxPerKey?: number): Promise<boolean>;
  get(account: string, region: string, aliasName: string): Promise<KmsAlias | undefined>;
  list(account: string, region: string, limit: number, after?: string, targetKeyId?: string): Promise<Page<KmsAlias>>;
  /**
   * Retargets the alias. With `expectedTargetKeyId` only while it still points to that key
   * (compare-and-set: the caller's checks of the old target still hold). Returns whether it changed;
   * throws AliasQuotaError when the new target already has `maxPerKey` aliases.
   */
  update(alias: KmsAlias, expectedTargetKeyId?: string, maxPerKey?: number): Promise<boolean>;
  /** Deletes the alias (with `expectedTargetKeyId`, only while it points to that key). Returns whether it did. */
  delete(account: string, region: string, aliasName: string, expectedTargetKeyId?: string): Promise<boolean>;
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
  /**
   * A number that changes whenever a committed write by any connection or process changed what
   * the cached stores hold (everything but the audit trail).
   */
  changeCount(): Promise<number>;
  /**
   * Stores that cache reads: forget them if another process wrote since the last call. Called at
   * the start of each request, so no request starts from a state older than the last commit.
   */
  revalidate?(): Promise<void>;
  /** Stores that cache reads: how many answers they hold (tests, metrics). */
  cachedReads?(): number;
  close(): Promise<void>;
}

/** Thrown by a store when a paging position it did not produce is passed back. */
/** The target key of an alias already has the most aliases allowed (count and write are atomic). */
export class AliasQuotaError extends Error {
  constructor() {
    super('aliases per key quota reached');
  }
}

export class InvalidPagePositionError extends Error {
  constructor() {
    super('invalid page position');
  }
}
