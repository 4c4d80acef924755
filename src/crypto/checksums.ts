/**
 * S3 object checksums as incremental hashers with S3's base64 output.
 * S3 User Guide, "Checking object integrity": CRC32, CRC32C, SHA1, SHA256 (x-amz-checksum-*),
 * each the base64 of the big-endian digest; MD5 for Content-MD5 (base64) and ETag (hex).
 * Multipart objects carry a "checksum of checksums": the algorithm over the concatenated raw part
 * checksums, base64, with "-N" (N parts) appended; the multipart ETag is md5(concat(part md5s))-N.
 * CRC32/CRC32C from crc32-fast.ts (native zlib / slicing-by-8: the @aws-crypto ones run at
 * ~90 MB/s, too slow for the SDKs' default CRC32 trailers), SHA/MD5 from node:crypto.
 */
import { createHash } from 'node:crypto';
import { CRC32_POLY, CRC32C_POLY, crc32, crc32c, crcCombine } from './crc32-fast.js';

/** The algorithms of x-amz-checksum-algorithm / x-amz-sdk-checksum-algorithm. */
export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];
/** Every hasher this module makes (MD5 is S3's Content-MD5/ETag, not an x-amz-checksum). */
export type HashAlgorithm = ChecksumAlgorithm | 'MD5';

export interface IncrementalHasher {
  readonly algorithm: HashAlgorithm;
  update(data: Uint8Array): this;
  /** The raw digest (4 bytes for the CRCs). Call once. */
  digest(): Buffer;
}

/** 'crc32' | 'CRC32' → 'CRC32'; undefined for anything else. */
export function parseChecksumAlgorithm(name: string): ChecksumAlgorithm | undefined {
  const upper = name.trim().toUpperCase();
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(upper) ? (upper as ChecksumAlgorithm) : undefined;
}

/** The header that carries an algorithm's value: CRC32 → x-amz-checksum-crc32. */
export const checksumHeaderName = (algorithm: ChecksumAlgorithm): string => `x-amz-checksum-${algorithm.toLowerCase()}`;

/** x-amz-checksum-sha256 → SHA256; undefined for a header that is not one of them. */
export function algorithmOfHeader(header: string): ChecksumAlgorithm | undefined {
  const m = /^x-amz-checksum-([a-z0-9]+)$/.exec(header.trim().toLowerCase());
  return m ? parseChecksumAlgorithm(m[1]!) : undefined;
}

class CrcHasher implements IncrementalHasher {
  private crc = 0;
  constructor(readonly algorithm: 'CRC32' | 'CRC32C') {}
  update(data: Uint8Array): this {
    this.crc = this.algorithm === 'CRC32' ? crc32(data, this.crc) : crc32c(data, this.crc);
    return this;
  }
  digest(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(this.crc >>> 0, 0);
    return out;
  }
}

class NodeHasher implements IncrementalHasher {
  private readonly hash;
  constructor(readonly algorithm: 'SHA1' | 'SHA256' | 'MD5') {
    this.hash = createHash(algorithm === 'SHA1' ? 'sha1' : algorithm === 'SHA256' ? 'sha256' : 'md5');
  }
  update(data: Uint8Array): this {
    this.hash.update(data);
    return this;
  }
  digest(): Buffer {
    return this.hash.digest();
  }
}

/** A fresh incremental hasher. */
export function createHasher(algorithm: HashAlgorithm): IncrementalHasher {
  return algorithm === 'CRC32' || algorithm === 'CRC32C' ? new CrcHasher(algorithm) : new NodeHasher(algorithm);
}

/** One-shot: the base64 value S3 puts in x-amz-checksum-* (or Content-MD5 for MD5). */
export const checksumBase64 = (algorithm: HashAlgorithm, data: Uint8Array): string =>
  createHasher(algorithm).update(data).digest().toString('base64');

/** The raw digest length of an algorithm, in bytes. */
export const digestLength = (algorithm: HashAlgorithm): number =>
  algorithm === 'CRC32' || algorithm === 'CRC32C' ? 4 : algorithm === 'SHA1' ? 20 : algorithm === 'SHA256' ? 32 : 16;

/**
 * A base64 checksum value as a client sends it → raw digest, or undefined if it is not canonical
 * base64 of the algorithm's digest length (S3 answers such values with InvalidRequest).
 */
export function decodeChecksum(algorithm: HashAlgorithm, value: string): Buffer | undefined {
  const v = value.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) return undefined;
  const raw = Buffer.from(v, 'base64');
  return raw.length === digestLength(algorithm) && raw.toString('base64') === v ? raw : undefined;
}

/**
 * Multipart "checksum of checksums" (S3 User Guide, "Checking object integrity", composite
 * checksums): the algorithm over the concatenated raw part checksums, base64, then "-N".
 * `partChecksums` are the parts' base64 values in part-number order.
 */
export function compositeChecksum(algorithm: ChecksumAlgorithm, partChecksums: readonly string[]): string {
  const hasher = createHasher(algorithm);
  for (const part of partChecksums) hasher.update(Buffer.from(part, 'base64'));
  return `${hasher.digest().toString('base64')}-${partChecksums.length}`;
}

/** Multipart ETag (without quotes): hex md5 of the concatenated binary part MD5s, then "-N". */
export function multipartEtag(partMd5Hex: readonly string[]): string {
  const md5 = createHash('md5');
  for (const part of partMd5Hex) md5.update(Buffer.from(part, 'hex'));
  return `${md5.digest('hex')}-${partMd5Hex.length}`;
}

/**
 * FULL_OBJECT multipart checksum (S3 User Guide, "Checking object integrity", full object
 * checksums; CRC32 and CRC32C only): the CRC of the whole object, from the parts' CRCs (base64) and sizes.
 */
export function fullObjectCrc(algorithm: 'CRC32' | 'CRC32C', parts: ReadonlyArray<{ checksum: string; size: number }>): string {
  const poly = algorithm === 'CRC32' ? CRC32_POLY : CRC32C_POLY;
  let crc = 0;
  for (const p of parts) crc = crcCombine(poly, crc, Buffer.from(p.checksum, 'base64').readUInt32BE(0), p.size);
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc, 0);
  return out.toString('base64');
}
