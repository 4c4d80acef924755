import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { AwsError, UnsupportedOperationException } from '../../errors/aws-error.js';
import { defineOperation, type KmsHandler } from './operation.js';
import { pageWithMarker } from './paging.js';

/**
 * Custom key stores (CloudHSM and external key stores) are out of Locksmith's scope: an account
 * here never has one. DescribeCustomKeyStores answers as AWS does for such an account, an empty
 * page, so tools that list key stores work; the five operations that would create or change a
 * key store are refused with one clear message.
 */
export const describeCustomKeyStores: KmsHandler<'DescribeCustomKeyStores'> = async (input, ctx, kms) => {
  await kms.authorizer.authorizeIdentity(ctx, DescribeCustomKeyStores.name, '*', input);
  // API reference: an ID or name that matches no key store is CustomKeyStoreNotFoundException.
  const named = input.CustomKeyStoreId ?? input.CustomKeyStoreName;
  // Unverified: AWS's message text; the same form as GenerateRandom's CustomKeyStoreId refusal.
  if (named !== undefined) throw new AwsError('CustomKeyStoreNotFoundException', `Custom key store ${named} does not exist.`);
  const page = await pageWithMarker(input.Marker, async () => ({ items: [] }));
  return { CustomKeyStores: page.items, NextMarker: page.NextMarker, Truncated: page.Truncated };
};

export const CUSTOM_KEY_STORES_UNSUPPORTED = 'Custom key stores (AWS CloudHSM and external key stores) are not supported by Locksmith.';
const refused = async (): Promise<never> => {
  throw UnsupportedOperationException(CUSTOM_KEY_STORES_UNSUPPORTED);
};
export const connectCustomKeyStore = refused;
export const createCustomKeyStore = refused;
export const deleteCustomKeyStore = refused;
export const disconnectCustomKeyStore = refused;
export const updateCustomKeyStore = refused;

export const ConnectCustomKeyStore = defineOperation({
  facts: KMS_OPERATION_FACTS.ConnectCustomKeyStore,
  aliases: false,
  readOnly: false,
  handler: connectCustomKeyStore,
});

export const CreateCustomKeyStore = defineOperation({
  facts: KMS_OPERATION_FACTS.CreateCustomKeyStore,
  aliases: false,
  readOnly: false,
  handler: createCustomKeyStore,
});

export const DeleteCustomKeyStore = defineOperation({
  facts: KMS_OPERATION_FACTS.DeleteCustomKeyStore,
  aliases: false,
  readOnly: false,
  handler: deleteCustomKeyStore,
});

export const DescribeCustomKeyStores = defineOperation({
  facts: KMS_OPERATION_FACTS.DescribeCustomKeyStores,
  aliases: false,
  readOnly: true,
  handler: describeCustomKeyStores,
});

export const DisconnectCustomKeyStore = defineOperation({
  facts: KMS_OPERATION_FACTS.DisconnectCustomKeyStore,
  aliases: false,
  readOnly: false,
  handler: disconnectCustomKeyStore,
});

export const UpdateCustomKeyStore = defineOperation({
  facts: KMS_OPERATION_FACTS.UpdateCustomKeyStore,
  aliases: false,
  readOnly: false,
  handler: updateCustomKeyStore,
});
