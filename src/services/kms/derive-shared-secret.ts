import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { KEY_SPECS } from '../../domain/key-specs.js';
import { ecdhSharedSecret } from '../../crypto/ecdh.js';
import { hasSpkiDerShape } from '../../crypto/spki-der.js';
import { ValidationException } from '../../errors/aws-error.js';
import { assertKeyUsage, incompatibleAlgorithm } from './key-usage.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';

/**
 * DeriveSharedSecret: raw ECDH between the KMS key's private key and the peer's public key (DER
 * SubjectPublicKeyInfo on the same curve); KMS applies no key derivation function to the result.
 */
export const deriveSharedSecret: KmsHandler<'DeriveSharedSecret'> = async (input, ctx, kms) => {
  if (input.Recipient !== undefined) throw ValidationException('Recipient (Nitro Enclaves attestation) is not supported by Locksmith.');
  const key = await kms.resolveKey(ctx, input.KeyId, { op: DeriveSharedSecret, input });
  assertKeyUsage(key, 'KEY_AGREEMENT', 'DeriveSharedSecret');
  const spec = KEY_SPECS[key.keySpec]!;
  if (!spec.keyAgreementAlgorithms?.includes(input.KeyAgreementAlgorithm)) throw incompatibleAlgorithm(input.KeyAgreementAlgorithm, key);
  const pair = spec.keyPair;
  if (pair?.kind !== 'ec') throw incompatibleAlgorithm(input.KeyAgreementAlgorithm, key);
  // AWS answers a PublicKey that is not DER (SubjectPublicKeyInfo) with an empty message (issue #15's recorded answer).
  if (!hasSpkiDerShape(input.PublicKey)) throw ValidationException('');
  const pkcs8 = await kms.currentMaterial(key);
  let secret: Buffer | undefined;
  try {
    secret = ecdhSharedSecret(pkcs8, pair.namedCurve, input.PublicKey, kms.keyring);
  } finally {
    pkcs8.fill(0);
  }
  if (!secret) throw ValidationException(`PublicKey must be a DER-encoded SubjectPublicKeyInfo of a point on the curve of key spec ${key.keySpec}.`);
  try {
    stopIfDryRun(input);
  } catch (e) {
    secret.fill(0);
    throw e;
  }
  return { KeyId: key.arn, SharedSecret: secret, KeyAgreementAlgorithm: input.KeyAgreementAlgorithm, KeyOrigin: key.origin };
};

export const DeriveSharedSecret = defineOperation({
  facts: KMS_OPERATION_FACTS.DeriveSharedSecret,
  // Not in AWS's key-state table; a cryptographic use like the others.
  keyStates: { row: KMS_OPERATION_FACTS.Encrypt.keyStates },
  aliases: true,
  readOnly: true,
  handler: deriveSharedSecret,
});
