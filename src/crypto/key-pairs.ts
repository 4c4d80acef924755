import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import type { KeyPairParams } from '../domain/key-specs.js';
import { generateMlDsaKeyPair, mlDsaPublicKey } from './ml-dsa.js';
import { generateMlKemKeyPair, mlKemPublicKey } from './ml-kem.js';

/**
 * Asymmetric key pairs: the private key as PKCS#8 DER (what Locksmith stores, wrapped) and the
 * public key as DER SubjectPublicKeyInfo (what GetPublicKey returns). node:crypto generates
 * RSA, EC and Ed25519 keys; ML-DSA and ML-KEM come from ml-dsa.ts and ml-kem.ts.
 */
export interface DerKeyPair {
  privateKey: Buffer;
  publicKey: Buffer;
}

const ENCODING = { publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } } as const;
const done = (resolve: (kp: DerKeyPair) => void, reject: (e: Error) => void) => (err: Error | null, publicKey: Buffer, privateKey: Buffer) =>
  err ? reject(err) : resolve({ publicKey, privateKey });

/** Generates off the event loop (RSA 4096 takes a while). */
export function generateDerKeyPair(params: KeyPairParams): Promise<DerKeyPair> {
  return new Promise((resolve, reject) => {
    switch (params.kind) {
      case 'rsa':
        return generateKeyPair('rsa', { modulusLength: params.modulusBits, publicExponent: 65537, ...ENCODING }, done(resolve, reject));
      case 'ec':
        return generateKeyPair('ec', { namedCurve: params.namedCurve, ...ENCODING }, done(resolve, reject));
      case 'ed25519':
        return generateKeyPair('ed25519', ENCODING, done(resolve, reject));
      case 'ml-dsa':
        return resolve(generateMlDsaKeyPair(params.parameterSet));
      case 'ml-kem':
        return resolve(generateMlKemKeyPair(params.parameterSet));
    }
  });
}

/** Where a PKCS#8 private key becomes a KeyObject: parsed each time, or from an owned cache. */
export interface PrivateKeys {
  privateKey(pkcs8: Buffer): KeyObject;
}

export const parsePrivateKey = (pkcs8: Buffer): KeyObject => createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });

/** Parses every time; nothing is kept. */
export const UNCACHED_PRIVATE_KEYS: PrivateKeys = { privateKey: parsePrivateKey };

/**
 * Parsed private keys by the SHA-256 of their PKCS#8 bytes (parsing costs more than the signature
 * itself), bounded, oldest dropped first. An instance belongs to the unwrap cache of one server
 * (unwrap-cache.ts) and is cleared with it. A KeyObject's memory is OpenSSL's and cannot be wiped
 * from JavaScript: dropping the last reference is what eviction can do.
 */
export class PrivateKeyCache implements PrivateKeys {
  private readonly parsed = new Map<string, KeyObject>();
  constructor(private readonly maxEntries = 1000) {}

  get size(): number {
    return this.parsed.size;
  }

  privateKey(pkcs8: Buffer): KeyObject {
    const id = createHash('sha256').update(pkcs8).digest('base64');
    let key = this.parsed.get(id);
    if (!key) {
      key = parsePrivateKey(pkcs8);
      if (this.parsed.size >= this.maxEntries) this.parsed.delete(this.parsed.keys().next().value!);
      this.parsed.set(id, key);
    }
    return key;
  }

  clear(): void {
    this.parsed.clear();
  }
}

/** The DER SubjectPublicKeyInfo of a stored private key. */
export function publicKeyDer(params: KeyPairParams, pkcs8: Buffer, keys: PrivateKeys = UNCACHED_PRIVATE_KEYS): Buffer {
  if (params.kind === 'ml-dsa') return mlDsaPublicKey(params.parameterSet, pkcs8);
  if (params.kind === 'ml-kem') return mlKemPublicKey(params.parameterSet, pkcs8);
  return createPublicKey(keys.privateKey(pkcs8)).export({ type: 'spki', format: 'der' });
}

/** Parses a DER SubjectPublicKeyInfo; undefined when it is not one node:crypto can read. */
export function parsePublicKeyDer(spki: Buffer): KeyObject | undefined {
  try {
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}
