import type { KeyUsage } from './key.js';

/**
 * The one table of key specs (AWS KMS Developer Guide, "Key spec reference"). Nothing else
 * switches on spec strings: code asks this table for a spec's usages, algorithms, key-pair
 * parameters or symmetric key length. `implemented` marks the specs Locksmith serves; SM2 is
 * listed so that CreateKey can refuse it as AWS does outside the China Regions.
 */
export type KeyPairParams =
  | { kind: 'rsa'; modulusBits: number }
  | { kind: 'ec'; namedCurve: 'prime256v1' | 'secp384r1' | 'secp521r1' | 'secp256k1' }
  | { kind: 'ed25519' }
  | { kind: 'ml-dsa'; parameterSet: 44 | 65 | 87 }
  | { kind: 'ml-kem'; parameterSet: 512 | 768 | 1024 };

export interface KeySpecInfo {
  usages: KeyUsage[];
  implemented: boolean;
  /** Bytes of symmetric key material (SYMMETRIC_DEFAULT, HMAC_*). */
  symmetricKeyBytes?: number;
  /** Asymmetric specs: how to generate the key pair. The material is the PKCS#8 private key. */
  keyPair?: KeyPairParams;
  /** Algorithms by usage, in the order DescribeKey and GetPublicKey list them. */
  encryptionAlgorithms?: string[];
  signingAlgorithms?: string[];
  macAlgorithms?: string[];
  keyAgreementAlgorithms?: string[];
  encapsulationAlgorithms?: string[];
  /** Usable as a GenerateDataKeyPair KeyPairSpec (DataKeyPairSpec enum). */
  dataKeyPair?: boolean;
  /** Only in the AWS China Regions (SM2). */
  chinaRegionsOnly?: boolean;
}

const OAEP = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
const RSA_SIGNING = [
  'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512',
  'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512',
];
const rsa = (modulusBits: number): KeySpecInfo => ({
  usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  implemented: true,
  keyPair: { kind: 'rsa', modulusBits },
  encryptionAlgorithms: OAEP,
  signingAlgorithms: RSA_SIGNING,
  dataKeyPair: true,
});
const nist = (namedCurve: 'prime256v1' | 'secp384r1' | 'secp521r1', signing: string): KeySpecInfo => ({
  usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  implemented: true,
  keyPair: { kind: 'ec', namedCurve },
  signingAlgorithms: [signing],
  keyAgreementAlgorithms: ['ECDH'],
  dataKeyPair: true,
});
const mlDsa = (parameterSet: 44 | 65 | 87): KeySpecInfo => ({
  usages: ['SIGN_VERIFY'],
  implemented: true,
  keyPair: { kind: 'ml-dsa', parameterSet },
  signingAlgorithms: ['ML_DSA_SHAKE_256'],
});
// ML-KEM (FIPS 203): ENCAPSULATE_DECAPSULATE only, and a GenerateDataKeyPair KeyPairSpec too.
const mlKem = (parameterSet: 512 | 768 | 1024): KeySpecInfo => ({
  usages: ['ENCAPSULATE_DECAPSULATE'],
  implemented: true,
  keyPair: { kind: 'ml-kem', parameterSet },
  encapsulationAlgorithms: ['ML_KEM'],
  dataKeyPair: true,
});
// HMAC key lengths equal the digest lengths ("Key spec reference", HMAC key specs).
const hmac = (bits: number): KeySpecInfo => ({
  usages: ['GENERATE_VERIFY_MAC'],
  implemented: true,
  symmetricKeyBytes: bits / 8,
  macAlgorithms: [`HMAC_SHA_${bits}`],
});

export const KEY_SPECS: Record<string, KeySpecInfo> = {
  SYMMETRIC_DEFAULT: {
    usages: ['ENCRYPT_DECRYPT'],
    encryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    implemented: true,
    symmetricKeyBytes: 32,
  },
  RSA_2048: rsa(2048),
  RSA_3072: rsa(3072),
  RSA_4096: rsa(4096),
  ECC_NIST_P256: nist('prime256v1', 'ECDSA_SHA_256'),
  ECC_NIST_P384: nist('secp384r1', 'ECDSA_SHA_384'),
  ECC_NIST_P521: nist('secp521r1', 'ECDSA_SHA_512'),
  ECC_SECG_P256K1: {
    usages: ['SIGN_VERIFY'],
    implemented: true,
    keyPair: { kind: 'ec', namedCurve: 'secp256k1' },
    signingAlgorithms: ['ECDSA_SHA_256'],
    dataKeyPair: true,
  },
  ECC_NIST_EDWARDS25519: {
    usages: ['SIGN_VERIFY'],
    implemented: true,
    keyPair: { kind: 'ed25519' },
    signingAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
    dataKeyPair: true,
  },
  ML_DSA_44: mlDsa(44),
  ML_DSA_65: mlDsa(65),
  ML_DSA_87: mlDsa(87),
  ML_KEM_512: mlKem(512),
  ML_KEM_768: mlKem(768),
  ML_KEM_1024: mlKem(1024),
  HMAC_224: hmac(224),
  HMAC_256: hmac(256),
  HMAC_384: hmac(384),
  HMAC_512: hmac(512),
  SM2: { usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'], implemented: false, chinaRegionsOnly: true, dataKeyPair: true },
};

export type DigestName = 'sha1' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
export type MessageType = 'RAW' | 'DIGEST' | 'EXTERNAL_MU';

/** Signing algorithms (SigningAlgorithmSpec): scheme, hash, and which MessageTypes they take. */
export interface SigningAlgorithmInfo {
  scheme: 'rsa-pss' | 'rsa-pkcs1' | 'ecdsa' | 'ed25519' | 'ed25519ph' | 'ml-dsa';
  /** Hash of the scheme (ML-DSA hashes internally with SHAKE256). */
  hash?: DigestName;
  /** Length a DIGEST (or EXTERNAL_MU) message must have. */
  digestBytes: number;
  messageTypes: MessageType[];
}

const sig = (scheme: SigningAlgorithmInfo['scheme'], hash: DigestName, digestBytes: number): SigningAlgorithmInfo => ({
  scheme,
  hash,
  digestBytes,
  messageTypes: ['RAW', 'DIGEST'],
});

export const SIGNING_ALGORITHMS: Record<string, SigningAlgorithmInfo> = {
  RSASSA_PSS_SHA_256: sig('rsa-pss', 'sha256', 32),
  RSASSA_PSS_SHA_384: sig('rsa-pss', 'sha384', 48),
  RSASSA_PSS_SHA_512: sig('rsa-pss', 'sha512', 64),
  RSASSA_PKCS1_V1_5_SHA_256: sig('rsa-pkcs1', 'sha256', 32),
  RSASSA_PKCS1_V1_5_SHA_384: sig('rsa-pkcs1', 'sha384', 48),
  RSASSA_PKCS1_V1_5_SHA_512: sig('rsa-pkcs1', 'sha512', 64),
  ECDSA_SHA_256: sig('ecdsa', 'sha256', 32),
  ECDSA_SHA_384: sig('ecdsa', 'sha384', 48),
  ECDSA_SHA_512: sig('ecdsa', 'sha512', 64),
  // Sign API reference, MessageType: ED25519_SHA_512 requires RAW, ED25519_PH_SHA_512 requires DIGEST.
  ED25519_SHA_512: { scheme: 'ed25519', hash: 'sha512', digestBytes: 64, messageTypes: ['RAW'] },
  ED25519_PH_SHA_512: { scheme: 'ed25519ph', hash: 'sha512', digestBytes: 64, messageTypes: ['DIGEST'] },
  // FIPS 204: RAW is pure ML-DSA with an empty context; EXTERNAL_MU is the 64-byte μ (§6.2).
  ML_DSA_SHAKE_256: { scheme: 'ml-dsa', digestBytes: 64, messageTypes: ['RAW', 'EXTERNAL_MU'] },
};

/** RSAES-OAEP (EncryptionAlgorithmSpec): OAEP and MGF1 hash, and hash length for the plaintext limit. */
export const RSA_ENCRYPTION_ALGORITHMS: Record<string, { hash: DigestName; hashBytes: number }> = {
  RSAES_OAEP_SHA_1: { hash: 'sha1', hashBytes: 20 },
  RSAES_OAEP_SHA_256: { hash: 'sha256', hashBytes: 32 },
};

/** Largest RSAES-OAEP plaintext: k − 2·hLen − 2 bytes (RFC 8017 §7.1.1): 2048 → 214 / 190. */
export function oaepPlaintextLimit(modulusBits: number, hashBytes: number): number {
  return modulusBits / 8 - 2 * hashBytes - 2;
}

export const MAC_ALGORITHMS: Record<string, { hash: DigestName }> = {
  HMAC_SHA_224: { hash: 'sha224' },
  HMAC_SHA_256: { hash: 'sha256' },
  HMAC_SHA_384: { hash: 'sha384' },
  HMAC_SHA_512: { hash: 'sha512' },
};

/** Data key specs for GenerateDataKey (DataKeySpec enum). */
export const DATA_KEY_BYTES: Record<string, number> = { AES_256: 32, AES_128: 16 };

/** SM2 exists only in the AWS China Regions (cn-north-1, cn-northwest-1): elsewhere AWS refuses it. */
export const specAvailableIn = (spec: KeySpecInfo, region: string): boolean => !spec.chinaRegionsOnly || region.startsWith('cn-');
