import { signMessage } from '../../crypto/signatures.js';
import { stopIfDryRun, type KmsOperation } from './operation.js';
import { signatureRequest } from './signature-request.js';

/** Sign: RSASSA-PSS / PKCS#1 v1.5, ECDSA (DER signatures), Ed25519(ph), ML-DSA. */
export const sign: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'Sign', aliases: true, input });
  const request = signatureRequest(key, 'Sign', input);
  stopIfDryRun(input);
  const pkcs8 = await kms.currentMaterial(key);
  try {
    return { KeyId: key.arn, Signature: signMessage(pkcs8, request), SigningAlgorithm: input.SigningAlgorithm };
  } finally {
    pkcs8.fill(0);
  }
};
