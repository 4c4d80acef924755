import { randomBytes } from 'node:crypto';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';

/**
 * ML-DSA (FIPS 204) through @noble/post-quantum: node:crypto in Node 20 has no ML-DSA.
 * Keys are stored as PKCS#8 in the seed form and published as SubjectPublicKeyInfo, both as
 * RFC 9881 defines them (AlgorithmIdentifier without parameters).
 */
export type MlDsaParameterSet = 44 | 65 | 87;

const IMPL = { 44: ml_dsa44, 65: ml_dsa65, 87: ml_dsa87 } as const;
/** id-ml-dsa-44/65/87: 2.16.840.1.101.3.4.3.17/18/19, DER-encoded with tag and length. */
const OID = {
  44: Buffer.from('0609608648016503040311', 'hex'),
  65: Buffer.from('0609608648016503040312', 'hex'),
  87: Buffer.from('0609608648016503040313', 'hex'),
} as const;
const SEED_BYTES = 32;

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
const algorithmIdentifier = (set: MlDsaParameterSet) => tlv(0x30, OID[set]);

/** PrivateKeyInfo { version 0, algorithm, privateKey OCTET STRING { seed [0] IMPLICIT OCTET STRING } }. */
function pkcs8FromSeed(set: MlDsaParameterSet, seed: Buffer): Buffer {
  return tlv(0x30, Buffer.concat([Buffer.from([0x02, 0x01, 0x00]), algorithmIdentifier(set), tlv(0x04, tlv(0x80, seed))]));
}

/** The seed of a PKCS#8 key this module wrote; throws for anything else (stored data is corrupt). */
function seedFromPkcs8(set: MlDsaParameterSet, der: Buffer): Buffer {
  const expected = pkcs8FromSeed(set, Buffer.alloc(SEED_BYTES));
  const prefix = expected.subarray(0, expected.length - SEED_BYTES);
  if (der.length !== expected.length || !der.subarray(0, prefix.length).equals(prefix)) throw new Error('not an ML-DSA seed PKCS#8 key');
  return der.subarray(prefix.length);
}

export function mlDsaSpki(set: MlDsaParameterSet, publicKey: Uint8Array): Buffer {
  return tlv(0x30, Buffer.concat([algorithmIdentifier(set), tlv(0x03, Buffer.concat([Buffer.from([0]), publicKey]))]));
}

/** Raw public key of an SPKI this module wrote (or any RFC 9881 SPKI); undefined otherwise. */
export function mlDsaPublicKeyFromSpki(set: MlDsaParameterSet, spki: Buffer): Uint8Array | undefined {
  const header = mlDsaSpki(set, new Uint8Array(IMPL[set].lengths.publicKey!));
  const prefixLength = header.length - IMPL[set].lengths.publicKey!;
  if (spki.length !== header.length || !spki.subarray(0, prefixLength).equals(header.subarray(0, prefixLength))) return undefined;
  return spki.subarray(prefixLength);
}

export function generateMlDsaKeyPair(set: MlDsaParameterSet): { privateKey: Buffer; publicKey: Buffer } {
  const seed = randomBytes(SEED_BYTES);
  const { publicKey, secretKey } = IMPL[set].keygen(seed);
  secretKey.fill(0);
  const privateKey = pkcs8FromSeed(set, seed);
  seed.fill(0);
  return { privateKey, publicKey: mlDsaSpki(set, publicKey) };
}

function expand(set: MlDsaParameterSet, pkcs8: Buffer) {
  return IMPL[set].keygen(seedFromPkcs8(set, pkcs8));
}

export function mlDsaPublicKey(set: MlDsaParameterSet, pkcs8: Buffer): Buffer {
  const { publicKey, secretKey } = expand(set, pkcs8);
  secretKey.fill(0);
  return mlDsaSpki(set, publicKey);
}

/** Pure ML-DSA with an empty context (RAW), or ML-DSA.Sign_internal over a 64-byte μ (EXTERNAL_MU, FIPS 204 §6.2). */
export function mlDsaSign(set: MlDsaParameterSet, pkcs8: Buffer, message: Buffer, externalMu: boolean): Buffer {
  const { secretKey } = expand(set, pkcs8);
  try {
    const impl = IMPL[set];
    return Buffer.from(externalMu ? impl.internal.sign(message, secretKey, { externalMu: true }) : impl.sign(message, secretKey));
  } finally {
    secretKey.fill(0);
  }
}

export function mlDsaVerify(set: MlDsaParameterSet, publicKey: Uint8Array, message: Buffer, signature: Buffer, externalMu: boolean): boolean {
  const impl = IMPL[set];
  try {
    return externalMu ? impl.internal.verify(signature, message, publicKey, { externalMu: true }) : impl.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
