import { randomBytes } from 'node:crypto';
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';

/**
 * ML-KEM (FIPS 203) through @noble/post-quantum: node:crypto in Node 20 has no ML-KEM. Keys
 * are stored as PKCS#8 in the 64-byte seed form (d‖z, FIPS 203 §7.1) and published as
 * SubjectPublicKeyInfo, as the IETF LAMPS ML-KEM certificate profile (draft-ietf-lamps-kyber-certificates) defines them: AlgorithmIdentifier without
 * parameters, `seed [0] IMPLICIT OCTET STRING (SIZE (64))`. AWS returns ML-KEM data key pairs'
 * private keys in this seed form (GenerateDataKeyPair API reference).
 */
export type MlKemParameterSet = 512 | 768 | 1024;

const IMPL = { 512: ml_kem512, 768: ml_kem768, 1024: ml_kem1024 } as const;
/** id-alg-ml-kem-512/768/1024: 2.16.840.1.101.3.4.4.1/2/3, DER-encoded with tag and length. */
const OID = {
  512: Buffer.from('0609608648016503040401', 'hex'),
  768: Buffer.from('0609608648016503040402', 'hex'),
  1024: Buffer.from('0609608648016503040403', 'hex'),
} as const;
const SEED_BYTES = 64;

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x100) return Buffer.from([0x81, n]);
  return Buffer.from([0x82, n >> 8, n & 0xff]);
}
const tlv = (tag: number, body: Buffer) => Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
const algorithmIdentifier = (set: MlKemParameterSet) => tlv(0x30, OID[set]);

/** PrivateKeyInfo { version 0, algorithm, privateKey OCTET STRING { seed [0] IMPLICIT OCTET STRING } }. */
export function mlKemPkcs8FromSeed(set: MlKemParameterSet, seed: Uint8Array): Buffer {
  return tlv(0x30, Buffer.concat([Buffer.from([0x02, 0x01, 0x00]), algorithmIdentifier(set), tlv(0x04, tlv(0x80, Buffer.from(seed)))]));
}

/** The seed of a seed-form PKCS#8 ML-KEM key of this parameter set; throws for anything else. */
function seedFromPkcs8(set: MlKemParameterSet, der: Buffer): Buffer {
  const expected = mlKemPkcs8FromSeed(set, Buffer.alloc(SEED_BYTES));
  const prefix = expected.subarray(0, expected.length - SEED_BYTES);
  if (der.length !== expected.length || !der.subarray(0, prefix.length).equals(prefix)) throw new Error('not an ML-KEM seed PKCS#8 key');
  return der.subarray(prefix.length);
}

export function mlKemSpki(set: MlKemParameterSet, publicKey: Uint8Array): Buffer {
  return tlv(0x30, Buffer.concat([algorithmIdentifier(set), tlv(0x03, Buffer.concat([Buffer.from([0]), publicKey]))]));
}

export function generateMlKemKeyPair(set: MlKemParameterSet): { privateKey: Buffer; publicKey: Buffer } {
  const seed = randomBytes(SEED_BYTES);
  const { publicKey, secretKey } = IMPL[set].keygen(seed);
  secretKey.fill(0);
  const privateKey = mlKemPkcs8FromSeed(set, seed);
  seed.fill(0);
  return { privateKey, publicKey: mlKemSpki(set, publicKey) };
}

function expand(set: MlKemParameterSet, pkcs8: Buffer) {
  return IMPL[set].keygen(seedFromPkcs8(set, pkcs8));
}

export function mlKemPublicKey(set: MlKemParameterSet, pkcs8: Buffer): Buffer {
  const { publicKey, secretKey } = expand(set, pkcs8);
  secretKey.fill(0);
  return mlKemSpki(set, publicKey);
}

/** Ciphertext length of a parameter set (FIPS 203 Table 3): 768, 1088, 1568 bytes. */
export const mlKemCiphertextBytes = (set: MlKemParameterSet): number => IMPL[set].lengths.cipherText!;

/** ML-KEM.Encaps (FIPS 203 Algorithm 20) with the key pair's encapsulation key. */
export function mlKemEncapsulate(set: MlKemParameterSet, pkcs8: Buffer): { sharedSecret: Buffer; ciphertext: Buffer } {
  const { publicKey, secretKey } = expand(set, pkcs8);
  secretKey.fill(0);
  const { cipherText, sharedSecret } = IMPL[set].encapsulate(publicKey);
  return { sharedSecret: Buffer.from(sharedSecret), ciphertext: Buffer.from(cipherText) };
}

/**
 * ML-KEM.Decaps (FIPS 203 Algorithm 21). The caller checks the ciphertext length first; any
 * other ciphertext yields a pseudo-random secret (implicit rejection), never an error.
 */
export function mlKemDecapsulate(set: MlKemParameterSet, pkcs8: Buffer, ciphertext: Buffer): Buffer {
  const { publicKey, secretKey } = expand(set, pkcs8);
  publicKey.fill(0);
  try {
    return Buffer.from(IMPL[set].decapsulate(ciphertext, secretKey));
  } finally {
    secretKey.fill(0);
  }
}
