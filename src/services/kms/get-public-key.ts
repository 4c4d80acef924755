import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { KEY_SPECS } from '../../domain/key-specs.js';
import { publicKeyDer } from '../../crypto/key-pairs.js';
import { UnsupportedOperationException } from '../../errors/aws-error.js';
import { algorithmLists } from './key-metadata.js';
import { defineOperation, type KmsHandler } from './operation.js';

/** GetPublicKey: DER SubjectPublicKeyInfo (RFC 5280) and what the key may be used for. */
export const getPublicKey: KmsHandler<'GetPublicKey'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: GetPublicKey, input });
  const pair = KEY_SPECS[key.keySpec]?.keyPair;
  if (!pair) throw UnsupportedOperationException('GetPublicKey is not supported for symmetric keys.');
  const pkcs8 = await kms.currentMaterial(key);
  let publicKey: Buffer;
  try {
    publicKey = publicKeyDer(pair, pkcs8, kms.keyring);
  } finally {
    pkcs8.fill(0);
  }
  return {
    KeyId: key.arn,
    PublicKey: publicKey,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    KeyUsage: key.keyUsage,
    ...algorithmLists(key),
  };
};

export const GetPublicKey = defineOperation({
  facts: KMS_OPERATION_FACTS.GetPublicKey,
  keyStates: { notApplicable: 'refuse' },
  aliases: true,
  readOnly: true,
  handler: getPublicKey,
});
