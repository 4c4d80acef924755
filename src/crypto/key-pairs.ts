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

/** Parsed private keys by the SHA-256 of their PKCS#8 bytes: parsing costs more than the signature itself. */
const parsedKeys = new Map<string, KeyObject>();
const MAX_PARSED_KEYS = 1000;

export function privateKeyObject(pkcs8: Buffer): KeyObject {
  const id = createHash('sha256').update(pkcs8).digest('base64');
  let key = parsedKeys.get(id);
  if (!key) {
    key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    if (parsedKeys.size >= MAX_PARSED_KEYS) parsedKeys.clear();
    parsedKeys.set(id, key);
  }
  return key;
}

/** Drops every parsed private key (with the unwrap cache, on any store write). */
export function forgetPrivateKeyObjects(): void {
  parsedKeys.clear();
}

/** The DER SubjectPublicKeyInfo of a stored private key. */
export function publicKeyDer(params: KeyPairParams, pkcs8: Buffer): Buffer {
  if (params.kind === 'ml-dsa') return mlDsaPublicKey(params.parameterSet, pkcs8);
  if (params.kind === 'ml-kem') return mlKemPublicKey(params.parameterSet, pkcs8);
  return createPublicKey(privateKeyObject(pkcs8)).export({ type: 'spki', format: 'der' });
}

/** Parses a DER SubjectPublicKeyInfo; undefined when it is not one node:crypto can read. */
export function parsePublicKeyDer(spki: Buffer): KeyObject | undefined {
  try {
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}
