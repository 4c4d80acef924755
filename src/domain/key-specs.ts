import type { KeyUsage } from './key.js';

/**
 * The one table of key specs (AWS KMS Developer Guide, "Key spec reference"). Nothing else
 * switches on spec strings. `implemented` marks the specs Locksmith serves today; the rest are
 * listed so that CreateKey can tell "not compatible" apart from "not yet supported".
 */
export interface KeySpecInfo {
  usages: KeyUsage[];
  encryptionAlgorithms?: string[];
  implemented: boolean;
  /** Bytes of symmetric key material. */
  symmetricKeyBytes?: number;
}

export const KEY_SPECS: Record<string, KeySpecInfo> = {
  SYMMETRIC_DEFAULT: {
    usages: ['ENCRYPT_DECRYPT'],
    encryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    implemented: true,
    symmetricKeyBytes: 32,
  },
  RSA_2048: { usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], implemented: false },
  RSA_3072: { usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], implemented: false },
  RSA_4096: { usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], implemented: false },
  ECC_NIST_P256: { usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'], implemented: false },
  ECC_NIST_P384: { usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'], implemented: false },
  ECC_NIST_P521: { usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'], implemented: false },
  ECC_SECG_P256K1: { usages: ['SIGN_VERIFY'], implemented: false },
  ECC_NIST_EDWARDS25519: { usages: ['SIGN_VERIFY'], implemented: false },
  ML_DSA_44: { usages: ['SIGN_VERIFY'], implemented: false },
  ML_DSA_65: { usages: ['SIGN_VERIFY'], implemented: false },
  ML_DSA_87: { usages: ['SIGN_VERIFY'], implemented: false },
  HMAC_224: { usages: ['GENERATE_VERIFY_MAC'], implemented: false },
  HMAC_256: { usages: ['GENERATE_VERIFY_MAC'], implemented: false },
  HMAC_384: { usages: ['GENERATE_VERIFY_MAC'], implemented: false },
  HMAC_512: { usages: ['GENERATE_VERIFY_MAC'], implemented: false },
  SM2: { usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'], implemented: false },
};

/** Data key specs for GenerateDataKey (DataKeySpec enum). */
export const DATA_KEY_BYTES: Record<string, number> = { AES_256: 32, AES_128: 16 };
