import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { AuditDigest, AuditStore, DigestKey } from '../store/audit-ports.js';
import type { Clock } from '../util/clock.js';
import { canonicalJson } from './canonical-json.js';
import { isoSeconds } from './record.js';

/**
 * Signed digests. Periodically (and on demand) every chain with records newer than its last
 * digest gets a digest that names the last record and its hash, links to the previous digest and
 * is signed with the region's ECDSA P-256 digest key (SHA-256, DER signature), modelled on
 * CloudTrail's digest files ("CloudTrail digest file structure"). The private key is stored only
 * wrapped under the root key; the public key is published with `locksmith audit public-key`.
 */
export const DIGEST_SIGNATURE_ALGORITHM = 'SHA256withECDSA';

export interface DigestBody {
  awsAccountId: string;
  awsRegion: string;
  /** The node whose chain the digest pins, where several nodes write (absent for the single writer). */
  chainWriter?: string;
  digestStartTime: string;
  digestEndTime: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm: string;
  firstRecordSequence: number;
  lastRecordSequence: number;
  lastRecordHash: string;
  recordCount: number;
  oldestEventTime: string | null;
  newestEventTime: string | null;
  previousDigestHashValue: string | null;
  previousDigestHashAlgorithm: 'SHA-256';
  previousDigestSignature: string | null;
}

const digestKeyAad = (region: string, fingerprint: string) => `locksmith:audit-digest-key:v1:${region}:${fingerprint}`;

/** Hex SHA-256 of the DER public key (SubjectPublicKeyInfo). */
export const publicKeyFingerprint = (spki: Buffer): string => createHash('sha256').update(spki).digest('hex');

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function publicKeyPem(key: DigestKey): string {
  return createPublicKey({ key: key.publicKey, format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }).toString();
}

/** The region's digest key, created on first use. */
export async function ensureDigestKey(store: AuditStore, keyring: RootKeyring, clock: Clock, region: string): Promise<DigestKey> {
  const existing = await store.digestKey(region);
  if (existing) return existing;
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const fingerprint = publicKeyFingerprint(spki);
  try {
    return await store.ensureDigestKey({ region, fingerprint, publicKey: spki, wrappedPrivateKey: keyring.wrap(pkcs8, digestKeyAad(region, fingerprint)), createdAt: clock.now() });
  } finally {
    pkcs8.fill(0);
  }
}

/** The private key behind a stored digest key; throws if it was not wrapped by this root key for this region and public key. */
export function unwrapDigestKey(keyring: RootKeyring, key: DigestKey): KeyObject {
  const pkcs8 = keyring.unwrap(key.wrappedPrivateKey, digestKeyAad(key.region, key.fingerprint));
  try {
    const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const derived = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    if (!derived.equals(key.publicKey)) throw new Error(`the digest key of ${key.region} does not match its public key`);
    return privateKey;
  } finally {
    pkcs8.fill(0);
  }
}

/**
 * Signs a digest for every chain with records since its last digest (or only the given chain).
 * Returns the digests written. Safe to run from several processes: a digest number is taken once.
 */
export async function signDigests(store: AuditStore, keyring: RootKeyring, clock: Clock, only?: { account: string; region: string; writer?: string }): Promise<AuditDigest[]> {
  const written: AuditDigest[] = [];
  const chains = only ? [only] : await store.chains();
  const keys = new Map<string, { key: DigestKey; privateKey: KeyObject }>();
  for (const { account, region, writer = '' } of chains) {
    const head = await store.head(account, region, writer);
    const last = await store.lastDigest(account, region, writer);
    const prev = last && (JSON.parse(last.body) as DigestBody);
    const from = (prev?.lastRecordSequence ?? 0) + 1;
    if (!head || head.chainSeq < from) continue;
    let k = keys.get(region);
    if (!k) {
      const key = await ensureDigestKey(store, keyring, clock, region);
      keys.set(region, (k = { key, privateKey: unwrapDigestKey(keyring, key) }));
    }
    const range = await store.chainRange(account, region, from, head.chainSeq, writer);
    const now = clock.now();
    const body: DigestBody = {
      awsAccountId: account,
      awsRegion: region,
      ...(writer ? { chainWriter: writer } : {}),
      digestStartTime: prev?.digestEndTime ?? isoSeconds(range.oldest ?? now),
      digestEndTime: isoSeconds(now),
      digestPublicKeyFingerprint: k.key.fingerprint,
      digestSignatureAlgorithm: DIGEST_SIGNATURE_ALGORITHM,
      firstRecordSequence: from,
      lastRecordSequence: head.chainSeq,
      lastRecordHash: head.hash,
      recordCount: range.count,
      oldestEventTime: range.oldest ? isoSeconds(range.oldest) : null,
      newestEventTime: range.newest ? isoSeconds(range.newest) : null,
      previousDigestHashValue: last ? sha256Hex(last.body) : null,
      previousDigestHashAlgorithm: 'SHA-256',
      previousDigestSignature: last?.signature ?? null,
    };
    const text = canonicalJson(body);
    const digest: AuditDigest = {
      account, region, ...(writer ? { writer } : {}), digestSeq: (last?.digestSeq ?? 0) + 1, createdAt: now, body: text,
      signature: sign('sha256', Buffer.from(text, 'utf8'), { key: k.privateKey, dsaEncoding: 'der' }).toString('hex'),
    };
    if (await store.appendDigest(digest)) written.push(digest);
  }
  return written;
}
