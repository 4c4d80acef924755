/**
 * The ServerSideEncryptionConfiguration document of Put/GetBucketEncryption (S3 API Reference,
 * PutBucketEncryption; shapes ServerSideEncryptionRule, ServerSideEncryptionByDefault,
 * BlockedEncryptionTypes in s3-service-2.json).
 */
import { InvalidArgument, MalformedXML } from '../../../errors/s3-errors.js';
import type { S3BucketEncryption } from '../../../store/s3-ports.js';
import { parseXmlBody, xmlDocument } from '../s3-xml.js';

/** ServerSideEncryption values a bucket default may name for a general purpose bucket. */
const DEFAULT_ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'];
const ENCRYPTION_TYPES = ['NONE', 'SSE-C'];

const one = (v: unknown): unknown => (Array.isArray(v) ? (v.length === 1 ? v[0] : MALFORMED) : v);
const MALFORMED = Symbol('malformed');
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.trim() : undefined);

/** The one rule of a PutBucketEncryption body; zero or two rules are MalformedXML (s3-sse-facts.md §2). */
export function parseBucketEncryption(body: Buffer): S3BucketEncryption {
  const root = parseXmlBody(body).ServerSideEncryptionConfiguration;
  if (typeof root !== 'object' || root === null) throw MalformedXML();
  const rule = one(root.Rule);
  if (typeof rule !== 'object' || rule === null) throw MalformedXML();
  const r = rule as Record<string, unknown>;
  const byDefault = one(r.ApplyServerSideEncryptionByDefault);
  if (typeof byDefault !== 'object' || byDefault === null) throw MalformedXML();
  const d = byDefault as Record<string, unknown>;
  const algorithm = text(one(d.SSEAlgorithm));
  // Unverified: S3 answers an SSEAlgorithm outside the enum with MalformedXML (schema validation).
  if (algorithm === undefined || !DEFAULT_ALGORITHMS.includes(algorithm)) throw MalformedXML();
  const out: S3BucketEncryption = { sseAlgorithm: algorithm, bucketKeyEnabled: false };
  const keyId = one(d.KMSMasterKeyID);
  if (keyId !== undefined) {
    const k = text(keyId);
    if (k === undefined) throw MalformedXML();
    if (algorithm === 'AES256') throw InvalidArgument('a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse');
    out.kmsMasterKeyId = k;
  }
  const bucketKey = one(r.BucketKeyEnabled);
  if (bucketKey !== undefined) {
    const b = text(bucketKey);
    if (b !== 'true' && b !== 'false') throw MalformedXML();
    out.bucketKeyEnabled = b === 'true';
  }
  const blocked = one(r.BlockedEncryptionTypes);
  if (blocked !== undefined) {
    if (typeof blocked !== 'object' || blocked === null) throw MalformedXML();
    const raw = (blocked as Record<string, unknown>).EncryptionType;
    const types = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(text);
    if (types.some((t) => t === undefined || !ENCRYPTION_TYPES.includes(t))) throw MalformedXML();
    out.blockedEncryptionTypes = types as string[];
  }
  return out;
}

/**
 * GetBucketEncryption's document; a bucket without a configuration answers the SSE-S3 default.
 * BlockedEncryptionTypes reports what the bucket enforces: SSE-C when never set (blocked on new
 * buckets since April 2026, s3-sse-facts.md §2; customer-objects.ts blocksCustomerKeys).
 */
export function bucketEncryptionXml(e: S3BucketEncryption | undefined): string {
  const c = e ?? { sseAlgorithm: 'AES256', bucketKeyEnabled: false };
  const blocked = c.blockedEncryptionTypes ?? ['SSE-C'];
  return xmlDocument('ServerSideEncryptionConfiguration', {
    Rule: {
      ApplyServerSideEncryptionByDefault: { SSEAlgorithm: c.sseAlgorithm, KMSMasterKeyID: c.kmsMasterKeyId },
      BucketKeyEnabled: c.bucketKeyEnabled,
      BlockedEncryptionTypes: { EncryptionType: blocked },
    },
  });
}
