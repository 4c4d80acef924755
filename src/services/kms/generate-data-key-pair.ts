import type { GenerateDataKeyPairRequest, GenerateDataKeyPairWithoutPlaintextRequest } from '../../model/kms-types.js';
import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { KEY_SPECS, specAvailableIn } from '../../domain/key-specs.js';
import { generateDerKeyPair } from '../../crypto/key-pairs.js';
import { InvalidKeyUsageException, UnsupportedOperationException, ValidationException } from '../../errors/aws-error.js';
import type { CallContext } from '../../domain/call-context.js';
import { isKeyPair } from './asymmetric-encryption.js';
import { assertKeyUsage } from './key-usage.js';
import type { KeyOperation } from './kms-core.js';
import type { KmsService } from './kms-service.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';

/**
 * Shared by GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext: a fresh key pair whose
 * PKCS#8 private key is encrypted under a symmetric encryption KMS key, in the normal ciphertext
 * format (so Decrypt opens it), and whose public key is DER SubjectPublicKeyInfo.
 */
export async function generateDataKeyPairFor(op: KeyOperation, input: GenerateDataKeyPairRequest | GenerateDataKeyPairWithoutPlaintextRequest, ctx: CallContext, kms: KmsService) {
  if ('Recipient' in input && input.Recipient !== undefined) throw ValidationException('Recipient (Nitro Enclaves attestation) is not supported by Locksmith.');
  const pairSpec = KEY_SPECS[input.KeyPairSpec];
  if (!pairSpec?.dataKeyPair) throw ValidationException(`KeyPairSpec ${input.KeyPairSpec} is not supported.`);
  if (!specAvailableIn(pairSpec, ctx.region)) throw UnsupportedOperationException(`KeyPairSpec ${input.KeyPairSpec} is not supported in this Region`);
  if (!pairSpec.implemented) throw UnsupportedOperationException(`KeyPairSpec ${input.KeyPairSpec} is not supported by Locksmith yet.`);
  const key = await kms.resolveKey(ctx, input.KeyId, { op, input, encryptionContext: input.EncryptionContext });
  assertKeyUsage(key, 'ENCRYPT_DECRYPT', op.name);
  if (isKeyPair(key)) throw InvalidKeyUsageException('You cannot generate a data key pair with an asymmetric CMK');
  stopIfDryRun(input);
  const pair = await generateDerKeyPair(pairSpec.keyPair!);
  const blob = await kms.seal(ctx, key, pair.privateKey, input.EncryptionContext);
  return { key, pair, blob };
}

export const generateDataKeyPair: KmsHandler<'GenerateDataKeyPair'> = async (input, ctx, kms) => {
  const { key, pair, blob } = await generateDataKeyPairFor(GenerateDataKeyPair, input, ctx, kms);
  return {
    PrivateKeyCiphertextBlob: blob,
    PrivateKeyPlaintext: pair.privateKey,
    PublicKey: pair.publicKey,
    KeyId: key.arn,
    KeyPairSpec: input.KeyPairSpec,
    KeyMaterialId: key.currentKeyMaterialId,
  };
};

export const GenerateDataKeyPair = defineOperation({
  facts: KMS_OPERATION_FACTS.GenerateDataKeyPair,
  aliases: true,
  grantConstraint: 'encryptionContext',
  readOnly: true,
  handler: generateDataKeyPair,
});
