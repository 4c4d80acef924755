import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { hmacMatches } from '../../crypto/hmac.js';
import { KMSInvalidMacException } from '../../errors/aws-error.js';
import { macHashFor } from './key-usage.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';

/** VerifyMac: MacValid true, or KMSInvalidMacException with no message; compared in constant time. */
export const verifyMac: KmsHandler<'VerifyMac'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: VerifyMac, input });
  const hash = macHashFor(key, 'VerifyMac', input.MacAlgorithm);
  stopIfDryRun(input);
  const secret = await kms.currentMaterial(key);
  let valid: boolean;
  try {
    valid = hmacMatches(hash, secret, input.Message, input.Mac);
  } finally {
    secret.fill(0);
  }
  if (!valid) throw KMSInvalidMacException();
  return { KeyId: key.arn, MacValid: true, MacAlgorithm: input.MacAlgorithm };
};

export const VerifyMac = defineOperation({
  facts: KMS_OPERATION_FACTS.VerifyMac,
  keyStates: { notApplicable: 'refuse' },
  aliases: true,
  readOnly: true,
  handler: verifyMac,
});
