import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { verifySignature } from '../../crypto/signatures.js';
import { KMSInvalidSignatureException } from '../../errors/aws-error.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';
import { signatureRequest } from './signature-request.js';

/** Verify: SignatureValid true, or KMSInvalidSignatureException with no message (Verify API reference). */
export const verify: KmsHandler<'Verify'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: Verify, input });
  const request = signatureRequest(key, 'Verify', input);
  stopIfDryRun(input);
  const pkcs8 = await kms.currentMaterial(key);
  let valid: boolean;
  try {
    valid = verifySignature(pkcs8, request, input.Signature, kms.keyring);
  } finally {
    pkcs8.fill(0);
  }
  if (!valid) throw KMSInvalidSignatureException();
  return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
};

export const Verify = defineOperation({
  facts: KMS_OPERATION_FACTS.Verify,
  keyStates: { notApplicable: 'refuse' },
  aliases: true,
  readOnly: true,
  handler: verify,
});
