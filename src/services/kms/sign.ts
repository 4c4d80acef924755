import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { signMessageOffLoop } from '../../crypto/signatures.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';
import { signatureRequest } from './signature-request.js';

/** Sign: RSASSA-PSS / PKCS#1 v1.5, ECDSA (DER signatures), Ed25519(ph), ML-DSA. */
export const sign: KmsHandler<'Sign'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: Sign, input });
  const request = signatureRequest(key, 'Sign', input);
  stopIfDryRun(input);
  const pkcs8 = await kms.currentMaterial(key);
  let signature: Promise<Buffer>;
  try {
    signature = signMessageOffLoop(pkcs8, request, kms.keyring);
  } finally {
    pkcs8.fill(0);
  }
  return { KeyId: key.arn, Signature: await signature, SigningAlgorithm: input.SigningAlgorithm };
};

export const Sign = defineOperation({
  facts: KMS_OPERATION_FACTS.Sign,
  keyStates: { notApplicable: 'refuse' },
  aliases: true,
  readOnly: true,
  handler: sign,
});
