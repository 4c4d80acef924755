import { constants, createPublicKey, privateEncrypt, publicDecrypt, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import type { DigestName, KeyPairParams, MessageType, SigningAlgorithmInfo } from '../domain/key-specs.js';
import { publicKeyDer, UNCACHED_PRIVATE_KEYS, type PrivateKeys } from './key-pairs.js';
import { mlDsaPublicKeyFromSpki, mlDsaSign, mlDsaVerify } from './ml-dsa.js';
import { signPssDigest, verifyPssDigest } from './rsa-pss-digest.js';

/**
 * Signing and verification for the KMS signing algorithms. RAW messages go through node:crypto
 * (OpenSSL), which hashes them itself. DIGEST messages skip the hash (Sign API reference,
 * MessageType): node:crypto cannot sign a precomputed digest with ECDSA or Ed25519ph, so those
 * use @noble/curves; RSASSA-PKCS1-v1_5 over a digest is OpenSSL's private-key operation with
 * PKCS#1 type-1 padding over the DigestInfo (RFC 8017 §9.2); RSASSA-PSS over a digest is in
 * rsa-pss-digest.ts. ML-DSA uses @noble/post-quantum.
 */
export interface SignatureInput {
  params: KeyPairParams;
  algorithm: SigningAlgorithmInfo;
  message: Buffer;
  messageType: MessageType;
}

/** DigestInfo prefixes, RFC 8017 §9.2 note 1. */
const DIGEST_INFO: Partial<Record<DigestName, Buffer>> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};
const NOBLE_CURVES = { prime256v1: p256, secp384r1: p384, secp521r1: p521, secp256k1 } as const;

const b64url = (s: string | undefined) => Buffer.from(s ?? '', 'base64url');
const pssOptions = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };

function nobleCurve(params: KeyPairParams) {
  if (params.kind !== 'ec') throw new Error('not an EC key');
  return NOBLE_CURVES[params.namedCurve];
}

/** Uncompressed EC point (0x04 || x || y) of a key, from its JWK form. */
function ecPoint(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  return Buffer.concat([Buffer.from([4]), b64url(jwk.x), b64url(jwk.y)]);
}

/** `keys`: the server's parsed-key cache (the keyring), or parse for this call only. */
export function signMessage(pkcs8: Buffer, input: SignatureInput, keys: PrivateKeys = UNCACHED_PRIVATE_KEYS): Buffer {
  const { params, algorithm, message, messageType } = input;
  if (params.kind === 'ml-dsa') return mlDsaSign(params.parameterSet, pkcs8, message, messageType === 'EXTERNAL_MU');
  const key = keys.privateKey(pkcs8);
  const raw = messageType === 'RAW';
  switch (algorithm.scheme) {
    case 'rsa-pss':
      if (raw) return sign(algorithm.hash!, message, { key, ...pssOptions });
      return signPssDigest(key, algorithm.hash!, message);
    case 'rsa-pkcs1':
      if (raw) return sign(algorithm.hash!, message, { key, padding: constants.RSA_PKCS1_PADDING });
      return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([DIGEST_INFO[algorithm.hash!]!, message]));
    case 'ecdsa': {
      if (raw) return sign(algorithm.hash!, message, { key, dsaEncoding: 'der' });
      const d = b64url(key.export({ format: 'jwk' }).d);
      try {
        return Buffer.from(nobleCurve(params).sign(message, d, { prehash: false, lowS: false, format: 'der', extraEntropy: true }));
      } finally {
        d.fill(0);
      }
    }
    case 'ed25519':
      return sign(null, message, key);
    case 'ed25519ph': {
      // ED25519_PH_SHA_512 still applies the FIPS 186-5 SHA-512 prehash to the DIGEST it is given.
      const seed = b64url(key.export({ format: 'jwk' }).d);
      try {
        return Buffer.from(ed25519ph.sign(message, seed));
      } finally {
        seed.fill(0);
      }
    }
    case 'ml-dsa':
      throw new Error('ML-DSA algorithm on a non-ML-DSA key');
  }
}

/**
 * signMessage, with the RAW-message signatures node:crypto makes (ECDSA, RSA, Ed25519) computed on
 * libuv's thread pool: an RSA-4096 signature takes milliseconds, and even a P-256 one costs more
 * than the rest of a small call, so the event loop keeps serving other requests meanwhile.
 * The private key is parsed before this returns: the caller may wipe `pkcs8` once it has the promise.
 */
export function signMessageOffLoop(pkcs8: Buffer, input: SignatureInput, keys: PrivateKeys = UNCACHED_PRIVATE_KEYS): Promise<Buffer> {
  const { params, algorithm, message, messageType } = input;
  if (params.kind === 'ml-dsa' || messageType !== 'RAW') return Promise.resolve(signMessage(pkcs8, input, keys));
  const key = keys.privateKey(pkcs8);
  const options =
    algorithm.scheme === 'rsa-pss' ? { key, ...pssOptions }
      : algorithm.scheme === 'rsa-pkcs1' ? { key, padding: constants.RSA_PKCS1_PADDING }
        : algorithm.scheme === 'ecdsa' ? { key, dsaEncoding: 'der' as const }
          : algorithm.scheme === 'ed25519' ? key
            : undefined;
  if (options === undefined) return Promise.resolve(signMessage(pkcs8, input, keys));
  const hash = algorithm.scheme === 'ed25519' ? null : algorithm.hash!;
  return new Promise((resolve, reject) => sign(hash, message, options, (err, signature) => (err ? reject(err) : resolve(signature))));
}

/** Whether `signature` is valid; malformed signatures are simply invalid. */
export function verifySignature(pkcs8: Buffer, input: SignatureInput, signature: Buffer, keys: PrivateKeys = UNCACHED_PRIVATE_KEYS): boolean {
  const { params, algorithm, message, messageType } = input;
  if (params.kind === 'ml-dsa') {
    const publicKey = mlDsaPublicKeyFromSpki(params.parameterSet, publicKeyDer(params, pkcs8))!;
    return mlDsaVerify(params.parameterSet, publicKey, message, signature, messageType === 'EXTERNAL_MU');
  }
  const key = createPublicKey(keys.privateKey(pkcs8));
  const raw = messageType === 'RAW';
  try {
    switch (algorithm.scheme) {
      case 'rsa-pss':
        if (raw) return verify(algorithm.hash!, message, { key, ...pssOptions }, signature);
        return verifyPssDigest(key, algorithm.hash!, message, signature);
      case 'rsa-pkcs1': {
        if (raw) return verify(algorithm.hash!, message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
        const expected = Buffer.concat([DIGEST_INFO[algorithm.hash!]!, message]);
        const recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
        return recovered.length === expected.length && timingSafeEqual(recovered, expected);
      }
      case 'ecdsa':
        if (raw) return verify(algorithm.hash!, message, { key, dsaEncoding: 'der' }, signature);
        return nobleCurve(params).verify(signature, message, ecPoint(key), { prehash: false, lowS: false, format: 'der' });
      case 'ed25519':
        return verify(null, message, key, signature);
      case 'ed25519ph':
        // RFC 8032 strict verification (zip215: false), as FIPS 186-5 requires.
        return ed25519ph.verify(signature, message, b64url(key.export({ format: 'jwk' }).x), { zip215: false });
      case 'ml-dsa':
        return false;
    }
  } catch {
    return false;
  }
}
