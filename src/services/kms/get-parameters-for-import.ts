import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import type { KmsKey } from '../../domain/key.js';
import { KEY_SPECS } from '../../domain/key-specs.js';
import { generateDerKeyPair } from '../../crypto/key-pairs.js';
import { WRAPPING_ALGORITHMS } from '../../crypto/key-unwrap.js';
import { UnsupportedOperationException, ValidationException } from '../../errors/aws-error.js';
import { assertExternal } from './imported-material.js';
import { IMPORT_PARAMETERS_VALIDITY_MS, sealImportToken } from './import-token.js';
import { defineOperation, type KmsHandler } from './operation.js';

const WRAPPING_KEY_BITS: Record<string, number> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };

/**
 * Which wrapping key spec and algorithm may protect material for this key (GetParametersForImport,
 * WrappingAlgorithm and WrappingKeySpec; "Select a wrapping algorithm").
 */
function assertWrappingFits(key: KmsKey, algorithm: string, spec: string, region: string): void {
  const china = region.startsWith('cn-');
  if (spec === 'SM2' || algorithm === 'SM2PKE') {
    // SM2 wrapping exists only in the China Regions, like the SM2 key spec (CreateKey's refusal).
    // Unverified: AWS's message for SM2 wrapping outside the China Regions.
    if (!china) throw UnsupportedOperationException(`${spec === 'SM2' ? `WrappingKeySpec ${spec}` : `WrappingAlgorithm ${algorithm}`} is not supported in this Region`);
    throw UnsupportedOperationException('SM2 wrapping is not supported by Locksmith yet.');
  }
  if (algorithm === 'RSAES_PKCS1_V1_5') {
    // "As of October 10, 2023, KMS does not support the RSAES_PKCS1_V1_5 wrapping algorithm."
    // Unverified: AWS's exception and message.
    throw ValidationException('The RSAES_PKCS1_V1_5 wrapping algorithm is not supported. Use RSAES_OAEP_SHA_256 or RSA_AES_KEY_WRAP_SHA_256.');
  }
  const info = WRAPPING_ALGORITHMS[algorithm]!;
  // "The RSA_AES_KEY_WRAP_SHA_256 and RSA_AES_KEY_WRAP_SHA_1 wrapping algorithms are not supported in China Regions."
  // Unverified: AWS's message.
  if (china && info.aesKeyWrap) throw UnsupportedOperationException(`WrappingAlgorithm ${algorithm} is not supported in this Region`);
  // "To import an RSA private key, you must use an RSA_AES wrapping algorithm."
  // Unverified: that AWS refuses here rather than at ImportKeyMaterial, and its message.
  if (KEY_SPECS[key.keySpec]?.keyPair?.kind === 'rsa' && !info.aesKeyWrap) {
    throw ValidationException(`${algorithm} cannot wrap key material of key spec ${key.keySpec}. Use RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256.`);
  }
  // "You cannot use the RSAES_OAEP_SHA_* wrapping algorithm with the RSA_2048 wrapping key spec to wrap ECC_NIST_P521 key material."
  // Unverified: AWS's message.
  if (key.keySpec === 'ECC_NIST_P521' && spec === 'RSA_2048' && !info.aesKeyWrap) {
    throw ValidationException(`${algorithm} with wrapping key spec RSA_2048 cannot wrap key material of key spec ECC_NIST_P521. Use a longer wrapping key or an RSA_AES_KEY_WRAP wrapping algorithm.`);
  }
}

/**
 * GetParametersForImport: a fresh RSA wrapping key pair; the public key (DER SubjectPublicKeyInfo)
 * goes to the caller, the private key travels sealed in the import token. Both are valid 24 hours.
 */
export const getParametersForImport: KmsHandler<'GetParametersForImport'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: GetParametersForImport, input });
  assertExternal(key);
  const algorithm: string = input.WrappingAlgorithm;
  const spec: string = input.WrappingKeySpec;
  assertWrappingFits(key, algorithm, spec, ctx.region);
  const { privateKey, publicKey } = await generateDerKeyPair({ kind: 'rsa', modulusBits: WRAPPING_KEY_BITS[spec]! });
  const validTo = new Date(ctx.clock.now().getTime() + IMPORT_PARAMETERS_VALIDITY_MS);
  try {
    const token = sealImportToken(kms.keyring, key.arn, { wrappingAlgorithm: algorithm, wrappingKeySpec: spec, validTo, privateKey });
    return { KeyId: key.arn, ImportToken: token, PublicKey: publicKey, ParametersValidTo: validTo };
  } finally {
    privateKey.fill(0);
  }
};

export const GetParametersForImport = defineOperation({
  facts: KMS_OPERATION_FACTS.GetParametersForImport,
  aliases: false,
  readOnly: true,
  handler: getParametersForImport,
});
