import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { keyMetadata, keyMetadataDetails } from './key-metadata.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const describeKey: KmsHandler<'DescribeKey'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: DescribeKey, input });
  return { KeyMetadata: keyMetadata(key, await keyMetadataDetails(kms.store.keys, key)) };
};

export const DescribeKey = defineOperation({
  facts: KMS_OPERATION_FACTS.DescribeKey,
  aliases: true,
  readOnly: true,
  handler: describeKey,
});
