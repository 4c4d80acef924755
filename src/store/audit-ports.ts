/**
 * Storage port of the audit trail: CloudTrail records in hash chains, lookup indexes, signed
 * digests and the per-region digest signing keys. A chain is the records of one account and
 * region written by one writer: '' where one process writes them all (SQLite, whose cluster
 * workers share one writer thread), a node id where several nodes append at once (PostgreSQL:
 * each node to its own chains, so no node waits for another's head). Lookups merge all writers.
 */

/** One hash chain. */
export interface ChainId {
  account: string;
  region: string;
  /** The node that appends to it; '' for the single writer. */
  writer: string;
}

/** A LookupEvents attribute as indexed: ResourceType and ResourceName hold one row per resource. */
export interface LookupResource {
  type: string;
  name: string;
}

/** A record to append. `record` is its canonical JSON text, the exact bytes the chain hashes. */
export interface NewAuditEvent {
  account: string;
  region: string;
  eventId: string;
  eventTime: Date;
  eventName: string;
  eventSource: string;
  readOnly: boolean;
  username?: string;
  accessKeyId?: string;
  resources: LookupResource[];
  record: string;
  /**
   * Set on an intent: the record a call that may change state will have, written (durably) before
   * the call runs, under the call's request id. Intents are kept apart from the chain until the
   * call's own record settles them.
   */
  intentOf?: string;
  /** The request id whose intent this record settles: the intent is deleted in the same transaction. */
  settles?: string;
}

/** The caller as the record's userIdentity needs it (a compact copy of the call's principal). */
export interface AuditPrincipal {
  type: 'Root' | 'IAMUser' | 'AssumedRole' | 'FederatedUser' | 'Service' | 'Anonymous';
  account: string;
  arn: string;
  accessKeyId: string;
  userId?: string;
  userName?: string;
  roleArn?: string;
  roleName?: string;
  /** Temporary credentials: the role or user the session came from. */
  session?: { issuerArn: string; issuerName: string };
}

/** A KMS key a call's record names in `resources`. */
export interface AuditKeyResource {
  account: string;
  region: string;
  keyId: string;
  arn: string;
}

/**
 * The facts of one API call, in the compact form the request path hands to the audit writer
 * (src/audit/call-facts.ts): the writer derives the CloudTrail records from them — userIdentity,
 * resources (aliases resolved), copies for other accounts' owners, canonical JSON, lookup rows —
 * and commits them before the call is answered. Plain data (structured-clonable); never secrets:
 * requestParameters and responseElements are already the record's redacted members.
 */
export interface NewAuditCall {
  service: 'kms' | 'iam' | 'sts' | 'cloudtrail' | 'locksmith';
  operation: string;
  principal: AuditPrincipal;
  region: string;
  /** Milliseconds since the epoch: when the request arrived. */
  eventTime: number;
  sourceIp: string;
  userAgent: string;
  requestId: string;
  viaService?: string;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  /** The call failed; `denial`: refused for lack of access. */
  error?: { errorCode: string; errorMessage?: string; denial: boolean };
  /** Keys known without the store (response ARNs, ciphertext headers), in record order. */
  keys: AuditKeyResource[];
  /** Key references of the request (ids, ARNs, aliases) still to be resolved, in record order. */
  keyRefs: string[];
  /** A role named by the request (STS AssumeRole). */
  role?: { accountId: string; arn: string };
  keyMaterialId?: string;
  /** ARNs of the KMS keys the caller was authorized to use: only their owners get a copy. */
  authorizedKeys: string[];
  /** The record could not be prepared in full: only who, what, when and the outcome are recorded. */
  minimal?: true;
  /** The request id whose intent the record settles. */
  settles?: string;
}

/** What the audit writer appends: a finished record, or the facts of a call it derives records from. */
export type AuditItem = NewAuditEvent | { call: NewAuditCall };

/** An intent no record has settled (its call's record could not be written, or the process stopped). */
export interface StoredIntent {
  requestId: string;
  account: string;
  region: string;
  eventTime: Date;
  record: string;
}

/** A stored record; its lookup resources are derived from the record again when needed. */
export interface StoredAuditEvent extends Omit<NewAuditEvent, 'resources'> {
  /** The writer whose chain holds it ('' or absent: the single writer). */
  writer?: string;
  /** Position in its chain (account, region, writer), from 1. */
  chainSeq: number;
  prevHash: string;
  hash: string;
}

export type LookupAttributeKey = 'EventId' | 'EventName' | 'ReadOnly' | 'Username' | 'ResourceType' | 'ResourceName' | 'EventSource' | 'AccessKeyId';

/** Where a page of LookupEvents results continues: after (older than) this event. */
export interface LookupPosition {
  time: number;
  seq: number;
}

export interface AuditLookup {
  account: string;
  region: string;
  attribute?: { key: LookupAttributeKey; value: string };
  /** Inclusive bounds on eventTime. */
  startTime?: Date;
  endTime?: Date;
  after?: LookupPosition;
  limit: number;
}

export interface LookupPage {
  events: StoredAuditEvent[];
  /** Set when more events match. */
  next?: LookupPosition;
}

export interface ChainHead {
  chainSeq: number;
  hash: string;
}

/** A signed digest. `body` is its canonical JSON text; `signature` is over exactly those bytes. */
export interface AuditDigest {
  account: string;
  region: string;
  /** The chain's writer ('' or absent: the single writer). */
  writer?: string;
  digestSeq: number;
  createdAt: Date;
  body: string;
  /** Hex of the DER-encoded ECDSA signature. */
  signature: string;
}

export interface DigestKey {
  region: string;
  fingerprint: string;
  /** SubjectPublicKeyInfo, DER. */
  publicKey: Buffer;
  /** PKCS#8 private key, wrapped under the root key. */
  wrappedPrivateKey: Buffer;
  createdAt: Date;
}

export interface ChainRange {
  count: number;
  oldest?: Date;
  newest?: Date;
}

export interface AuditStore {
  /**
   * Appends records in one transaction, each linked to the head of its chain (src/audit/hash-chain.ts).
   * Either all are stored, durably, when this resolves, or none are.
   */
  append(events: NewAuditEvent[]): Promise<void>;
  /**
   * Where the writer derives records from call facts itself (the SQLite writer thread): appends
   * the items' records in order, in one transaction, as `append` does. Absent: the recorder
   * derives the records and calls `append`.
   */
  appendItems?(items: AuditItem[]): Promise<void>;
  lookup(q: AuditLookup): Promise<LookupPage>;
  /** Intents not settled by a record, written before `before` (their event time), oldest first. */
  unsettledIntents(before: Date): Promise<StoredIntent[]>;
  /**
   * The newest successful (no errorCode) record of the chain whose event name is one of
   * `eventNames` and whose resources include `keyArn` (GetKeyLastUsage).
   */
  lastKeyUsage(account: string, region: string, keyArn: string, eventNames: readonly string[]): Promise<StoredAuditEvent | undefined>;
  /** Every chain that has records or digests, sorted by account, region, writer. `writer` may be absent ('') where there is one. */
  chains(): Promise<(Omit<ChainId, 'writer'> & { writer?: string })[]>;
  /** The chain's head as recorded at its last append (verify compares it with the last record). */
  head(account: string, region: string, writer?: string): Promise<ChainHead | undefined>;
  /** Records of a chain in stored chain order, from the first with chainSeq > `after`. */
  chainPage(account: string, region: string, after: number, limit: number, writer?: string): Promise<StoredAuditEvent[]>;
  /** Count and event-time bounds of a chain's records with chainSeq in [from, to]. */
  chainRange(account: string, region: string, from: number, to: number, writer?: string): Promise<ChainRange>;
  /** Stores the key unless the region has one; returns the region's key either way. */
  ensureDigestKey(key: DigestKey): Promise<DigestKey>;
  digestKey(region: string): Promise<DigestKey | undefined>;
  appendDigest(digest: AuditDigest): Promise<boolean>;
  digests(account: string, region: string, writer?: string): Promise<AuditDigest[]>;
  lastDigest(account: string, region: string, writer?: string): Promise<AuditDigest | undefined>;
}
