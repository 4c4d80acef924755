import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { computeHmac } from '../../crypto/hmac.js';
import { macHashFor } from './key-usage.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';

/** GenerateMac: HMAC (RFC 2104) of the message under the HMAC key's material. */
export const generateMac: KmsHandler<'GenerateMac'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: GenerateMac, input });
  const hash = macHashFor(key, 'GenerateMac', input.MacAlgorithm);
  stopIfDryRun(input);
  const secret = await kms.currentMaterial(key);
  try {
    return { Mac: computeHmac(hash, secret, input.Message), MacAlgorithm: input.MacAlgorithm, KeyId: key.arn };
  } finally {
    secret.fill(0);
  }
};

export const GenerateMac = defineOperation({
  facts: KMS_OPERATION_FACTS.GenerateMac,
  keyStates: { notApplicable: 'refuse' },
  aliases: true,
  readOnly: true,
  handler: generateMac,
});
