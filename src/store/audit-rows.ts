import type { AuditDigest, DigestKey, LookupAttributeKey, StoredAuditEvent } from './audit-ports.js';

/** The audit tables' rows as both adapters (SQLite and PostgreSQL) read them, and their port types. */
export interface EventRow {
  seq: number;
  account: string;
  region: string;
  chain_seq: number;
  event_id: string;
  event_time: number;
  event_name: string;
  event_source: string;
  read_only: string;
  username: string | null;
  access_key_id: string | null;
  record: string;
  prev_hash: string;
  hash: string;
}

export const toEvent = (r: EventRow): StoredAuditEvent => ({
  account: r.account,
  region: r.region,
  chainSeq: r.chain_seq,
  eventId: r.event_id,
  eventTime: new Date(r.event_time),
  eventName: r.event_name,
  eventSource: r.event_source,
  readOnly: r.read_only === 'true',
  ...(r.username === null ? {} : { username: r.username }),
  ...(r.access_key_id === null ? {} : { accessKeyId: r.access_key_id }),
  record: r.record,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/** LookupEvents attributes kept as columns of audit_events; ResourceType and ResourceName are derived from the record (and on PostgreSQL indexed as rows of audit_event_lookup). */
export const COLUMNS: Partial<Record<LookupAttributeKey, string>> = {
  EventId: 'event_id', EventName: 'event_name', ReadOnly: 'read_only', Username: 'username', EventSource: 'event_source', AccessKeyId: 'access_key_id',
};

export interface DigestRow { account: string; region: string; digest_seq: number; created_at: number; body: string; signature: string }
export const toDigest = (r: DigestRow): AuditDigest => ({
  account: r.account, region: r.region, digestSeq: r.digest_seq, createdAt: new Date(r.created_at), body: r.body, signature: r.signature,
});

export interface KeyRow { region: string; fingerprint: string; public_key: Buffer; wrapped_private_key: Buffer; created_at: number }
export const toKey = (r: KeyRow): DigestKey => ({
  region: r.region, fingerprint: r.fingerprint, publicKey: r.public_key, wrappedPrivateKey: r.wrapped_private_key, createdAt: new Date(r.created_at),
});
