import { keyMetadata, keyMetadataDetails } from './key-metadata.js';
import type { KmsOperation } from './operation.js';

export const describeKey: KmsOperation = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { operation: 'DescribeKey', aliases: true, input });
  return { KeyMetadata: keyMetadata(key, await keyMetadataDetails(kms.store.keys, key)) };
};
