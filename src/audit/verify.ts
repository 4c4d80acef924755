import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { AuditDigest, AuditStore, ChainId, StoredAuditEvent } from '../store/audit-ports.js';
import { publicKeyFingerprint, sha256Hex, unwrapDigestKey, type DigestBody } from './digests.js';
import { GENESIS_HASH, linkHash } from './hash-chain.js';
import { isoSeconds, type CloudTrailRecord } from './record.js';
import { lookupColumns } from './record-index.js';

export type ProblemKind = 'changed' | 'removed' | 'inserted' | 'reordered' | 'digest';

export interface VerifyProblem {
  kind: ProblemKind;
  chainSeq?: number;
  eventId?: string;
  message: string;
}

export interface ChainReport {
  account: string;
  region: string;
  /** The node whose chain this is ('' for the single writer). */
  writer: string;
  records: number;
  digests: number;
  /** The first break in the record chain (if any) and every digest that fails. */
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  account?: string;
  region?: string;
  /** Digest public keys to trust, by region (e.g. published earlier with `audit public-key`); otherwise the stored ones. */
  publicKeys?: Map<string, KeyObject>;
  /** With the root key, each stored public key is checked against its wrapped private key. */
  keyring?: RootKeyring;
  pageSize?: number;
}

/** `record #5 was` / `records #5–#7 were`. */
const range = (from: number, to: number | undefined) => (to === undefined || to <= from ? `record #${from} was` : `records #${from}–#${to} were`);

const describe = (e: StoredAuditEvent) => `#${e.chainSeq} (eventID ${e.eventId}, ${e.eventName} at ${isoSeconds(e.eventTime)})`;

/**
 * Checks every chain (or one): each record's hash over its predecessor's hash and its content,
 * the links between records, the lookup columns against the content, the recorded head, and every
 * digest's signature, its link to the previous digest and the record hash it pins. Names the first
 * record that was changed, removed, inserted or reordered.
 */
export async function verifyAuditTrail(store: AuditStore, opts: VerifyOptions = {}): Promise<ChainReport[]> {
  let chains = await store.chains();
  if (opts.account !== undefined) chains = chains.filter((c) => c.account === opts.account);
  if (opts.region !== undefined) chains = chains.filter((c) => c.region === opts.region);
  if (chains.length === 0 && opts.account !== undefined && opts.region !== undefined) chains = [{ account: opts.account, region: opts.region }];
  const reports: ChainReport[] = [];
  const keys = new Map<string, KeyObject | string>();
  for (const { account, region, writer = '' } of chains) {
    if (!keys.has(region)) keys.set(region, await digestPublicKey(store, region, opts));
    const digests = await store.digests(account, region, writer);
    const report: ChainReport = { account, region, writer, records: 0, digests: digests.length, problems: [] };
    const pinned = checkDigests(digests, keys.get(region)!, { account, region, writer }, report.problems);
    await checkChain(store, { account, region, writer }, pinned, report, opts.pageSize ?? 5000);
    reports.push(report);
  }
  return reports;
}

async function digestPublicKey(store: AuditStore, region: string, opts: VerifyOptions): Promise<KeyObject | string> {
  const pinned = opts.publicKeys?.get(region);
  if (pinned) return pinned;
  const key = await store.digestKey(region);
  if (!key) return `no digest key is stored for ${region}`;
  if (publicKeyFingerprint(key.publicKey) !== key.fingerprint) return `the stored digest key of ${region} does not match its fingerprint`;
  if (opts.keyring) {
    try {
      unwrapDigestKey(opts.keyring, key);
    } catch (e) {
      return `the stored digest key of ${region} is not the one Locksmith created: ${(e as Error).message}`;
    }
  }
  return createPublicKey({ key: key.publicKey, format: 'der', type: 'spki' });
}

/** Verifies the digests; returns the record hash each pins, by sequence number. */
function checkDigests(digests: AuditDigest[], key: KeyObject | string, { account, region, writer }: ChainId, problems: VerifyProblem[]): Map<number, { digest: number; hash: string }> {
  const pinned = new Map<number, { digest: number; hash: string }>();
  let prev: AuditDigest | undefined;
  let prevLast = 0;
  for (const d of digests) {
    const fail = (why: string) => problems.push({ kind: 'digest', message: `digest #${d.digestSeq} ${why}` });
    let body: DigestBody;
    try {
      body = JSON.parse(d.body) as DigestBody;
    } catch {
      fail('is not valid JSON');
      continue;
    }
    if (typeof key === 'string') fail(`cannot be checked: ${key}`);
    else if (!verifySignature('sha256', Buffer.from(d.body, 'utf8'), key, Buffer.from(d.signature, 'hex'))) fail('has an invalid signature');
    if (d.digestSeq !== (prev?.digestSeq ?? 0) + 1) fail(`follows digest #${prev?.digestSeq ?? 0}: a digest was removed or inserted`);
    if (body.awsAccountId !== account || body.awsRegion !== region || (body.chainWriter ?? '') !== writer) {
      fail(`belongs to ${body.awsAccountId} ${body.awsRegion}${body.chainWriter ? ` (writer ${body.chainWriter})` : ''}`);
    }
    if (body.previousDigestHashValue !== (prev ? sha256Hex(prev.body) : null) || body.previousDigestSignature !== (prev?.signature ?? null)) {
      fail('does not link to the digest before it');
    }
    if (body.firstRecordSequence !== prevLast + 1) fail(`starts at record #${body.firstRecordSequence}, not #${prevLast + 1}`);
    pinned.set(body.lastRecordSequence, { digest: d.digestSeq, hash: body.lastRecordHash });
    prevLast = body.lastRecordSequence;
    prev = d;
  }
  return pinned;
}

async function* chainRecords(store: AuditStore, { account, region, writer }: ChainId, pageSize: number): AsyncGenerator<StoredAuditEvent> {
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const page = await store.chainPage(account, region, after, pageSize, writer);
    yield* page;
    if (page.length < pageSize) return;
    after = page[page.length - 1].chainSeq;
  }
}

async function checkChain(
  store: AuditStore, chain: ChainId, pinned: Map<number, { digest: number; hash: string }>, report: ChainReport, pageSize: number,
): Promise<void> {
  const it = chainRecords(store, chain, pageSize);
  const next = async () => (await it.next()).value as StoredAuditEvent | undefined;
  let before: StoredAuditEvent | undefined;
  let prev: StoredAuditEvent | undefined;
  let cur = await next();
  const seen = new Set<number>();
  const head = await store.head(chain.account, chain.region, chain.writer);
  const problem = (p: VerifyProblem) => (report.problems.unshift(p), undefined);
  while (cur) {
    const after = await next();
    report.records++;
    const beyondHead = head && cur.chainSeq > head.chainSeq && !after
      ? { kind: 'inserted' as const, chainSeq: cur.chainSeq, eventId: cur.eventId, message: `record ${describe(cur)} was inserted: the chain's recorded head is #${head.chainSeq}` }
      : undefined;
    const found = beyondHead ?? linkProblem(before, prev, cur, after) ?? contentProblem(cur);
    if (found) return problem(found);
    const pin = pinned.get(cur.chainSeq);
    if (pin) {
      seen.add(cur.chainSeq);
      if (pin.hash !== cur.hash) {
        return problem({ kind: 'changed', chainSeq: cur.chainSeq, eventId: cur.eventId, message: `record ${describe(cur)} does not match signed digest #${pin.digest}: the chain was rewritten at or before it` });
      }
    }
    [before, prev, cur] = [prev, cur, after];
  }
  const lastSeq = prev?.chainSeq ?? 0;
  if ((head && (head.chainSeq !== lastSeq || head.hash !== prev?.hash)) || (!head && prev)) {
    return problem({ kind: 'removed', chainSeq: lastSeq + 1, message: `${range(lastSeq + 1, head?.chainSeq)} removed after ${prev ? describe(prev) : 'the start'}: the chain's recorded head is #${head?.chainSeq ?? '?'}` });
  }
  for (const [seq, pin] of pinned) {
    if (!seen.has(seq)) return problem({ kind: 'removed', chainSeq: seq, message: `record #${seq}, pinned by signed digest #${pin.digest}, was removed` });
  }
}

/** How `cur` fails to follow `prev` (the record before it, `before` the one before that), if it does. */
function linkProblem(before: StoredAuditEvent | undefined, prev: StoredAuditEvent | undefined, cur: StoredAuditEvent, after: StoredAuditEvent | undefined): VerifyProblem | undefined {
  const expected = prev?.hash ?? GENESIS_HASH;
  const at = (kind: ProblemKind, e: StoredAuditEvent, why: string): VerifyProblem => ({ kind, chainSeq: e.chainSeq, eventId: e.eventId, message: `record ${describe(e)} ${why}` });
  const intact = linkHash(cur.prevHash, cur.record) === cur.hash;
  if (cur.prevHash !== expected) {
    if (after && cur.prevHash === after.hash) return at('reordered', cur, `was reordered: it links to the record stored after it (#${after.chainSeq})`);
    if (after && after.prevHash === expected) return at('inserted', cur, `was inserted: the record after it links to ${prev ? `#${prev.chainSeq}` : 'the start'}`);
    if (prev && cur.prevHash === (before?.hash ?? GENESIS_HASH)) return at('inserted', prev, `was inserted: the record after it links to the one before it`);
    if (!intact) return at('changed', cur, 'was changed: its content does not match its hash');
    if (prev && cur.chainSeq === prev.chainSeq + 1) return at('changed', prev, 'was changed: the next record no longer links to it');
    const from = (prev?.chainSeq ?? 0) + 1;
    return { kind: 'removed', chainSeq: from, message: `${range(from, cur.chainSeq - 1)} removed: record ${describe(cur)} does not link to ${prev ? `#${prev.chainSeq}` : 'the start'}` };
  }
  if (!intact) return at('changed', cur, 'was changed: its content does not match its hash');
  if (cur.chainSeq !== (prev?.chainSeq ?? 0) + 1) return at('changed', cur, `was renumbered: it follows #${prev?.chainSeq ?? 0}`);
  return undefined;
}

/** The lookup columns must say what the (hashed) record says. */
function contentProblem(e: StoredAuditEvent): VerifyProblem | undefined {
  let r: CloudTrailRecord;
  try {
    r = JSON.parse(e.record) as CloudTrailRecord;
  } catch {
    return { kind: 'changed', chainSeq: e.chainSeq, eventId: e.eventId, message: `record ${describe(e)} is not valid JSON` };
  }
  const same = r.eventID === e.eventId && r.eventName === e.eventName && r.eventSource === e.eventSource && r.readOnly === e.readOnly
    && r.recipientAccountId === e.account && r.awsRegion === e.region && r.eventTime === isoSeconds(e.eventTime)
    && lookupColumns(r).username === e.username && lookupColumns(r).accessKeyId === e.accessKeyId;
  return same ? undefined : { kind: 'changed', chainSeq: e.chainSeq, eventId: e.eventId, message: `record ${describe(e)} was changed: its lookup columns do not match its content` };
}
