import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { signMessage } from '../../crypto/signatures.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';
import { signatureRequest } from './signature-request.js';

/** Sign: RSASSA-PSS / PKCS#1 v1.5, ECDSA (DER signatures), Ed25519(ph), ML-DSA. */
export const sign: KmsHandler<'Sign'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: Sign, input });
  const request = signatureRequest(key, 'Sign', input);
  stopIfDryRun(input);
  const pkcs8 = await kms.currentMaterial(key);
  try {
    return { KeyId: key.arn, Signature: signMessage(pkcs8, request, kms.keyring), SigningAlgorithm: input.SigningAlgorithm };
  } finally {
    pkcs8.fill(0);
  }
};

export const Sign = defineOperation({
  facts: KMS_OPERATION_FACTS.Sign,
  keyStates: { notApplicable: 'refuse' },
  aliases: true,
  readOnly: true,
  handler: sign,
});
