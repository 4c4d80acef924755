import type { KeyRef, Page } from './refs.js';

/** KMS grants (AWS KMS Developer Guide, "Grants in AWS KMS"). */
export interface GrantConstraints {
  EncryptionContextEquals?: Record<string, string>;
  EncryptionContextSubset?: Record<string, string>;
}

export interface KmsGrant {
  /** The key the grant is on. */
  account: string;
  region: string;
  keyId: string;
  /** 64 hex characters. */
  grantId: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  /** GrantOperation names, e.g. ["Decrypt", "Encrypt"]. */
  operations: string[];
  constraints?: GrantConstraints;
  /** ARN of the principal that created the grant. */
  issuingAccount: string;
  creationDate: Date;
  /** SHA-256 (hex) of the first grant token CreateGrant returned (each retry by Name adds one more). */
  grantTokenSha256: string;
}

export interface GrantListFilter {
  grantId?: string;
  granteePrincipal?: string;
}

export interface GrantStore {
  /**
   * Stores the grant with its first token, unless the key already has `maxGrantsPerKey` grants
   * (then returns false and stores nothing). Count and insert are atomic.
   */
  create(grant: KmsGrant, maxGrantsPerKey: number): Promise<boolean>;
  /** Adds another token for an existing grant (CreateGrant retried by Name). False when the grant is gone. */
  addToken(ref: KeyRef, grantId: string, grantTokenSha256: string): Promise<boolean>;
  get(ref: KeyRef, grantId: string): Promise<KmsGrant | undefined>;
  /** A grant on the key with the same name (CreateGrant idempotency). */
  findByName(ref: KeyRef, name: string): Promise<KmsGrant[]>;
  /** The grant any of whose tokens has this SHA-256 (hex). */
  getByToken(grantTokenSha256: string): Promise<KmsGrant | undefined>;
  /** Grants on one key, oldest first. */
  list(ref: KeyRef, limit: number, after?: string, filter?: GrantListFilter): Promise<Page<KmsGrant>>;
  /** Grants, in any key of `region`, whose retiring principal is `retiringPrincipal`. */
  listRetirable(region: string, retiringPrincipal: string, limit: number, after?: string): Promise<Page<KmsGrant>>;
  /** Grants on the key whose grantee is one of `principals` (hot path for authorization). */
  forGrantee(ref: KeyRef, principals: string[]): Promise<KmsGrant[]>;
  /**
   * The id of a grant on the key, to one of `principals`, with an index row for `operation` whose
   * rule is one of `rules` and whose operation mask includes `mask` (src/domain/grant-rules.ts):
   * index probes only. When none matches and `scan` is given, the rows of `operation` for those
   * principals are scanned and the first whose rule `scan` accepts is returned.
   */
  findByRule(ref: KeyRef, principals: string[], operation: string, rules: string[], mask?: number, scan?: (rule: string) => boolean): Promise<string | undefined>;
  /** Removes the grant and all its tokens. */
  delete(ref: KeyRef, grantId: string): Promise<boolean>;
}
