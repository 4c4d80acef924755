import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { aliasArn } from '../../domain/arn.js';
import { NotFoundException } from '../../errors/aws-error.js';
import { assertCustomerAliasName } from './alias-names.js';
import { retryOnAliasChange } from './alias-writes.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const deleteAlias: KmsHandler<'DeleteAlias'> = async (input, ctx, kms) => {
  const aliasName: string = input.AliasName;
  assertCustomerAliasName(aliasName);
  const arn = aliasArn(ctx.region, ctx.account, aliasName);
  await kms.authorizer.authorizeIdentity(ctx, DeleteAlias.name, arn, input);
  return retryOnAliasChange(async () => {
    const alias = await kms.store.aliases.get(ctx.account, ctx.region, aliasName);
    if (!alias) throw NotFoundException(`Alias ${arn} is not found.`);
    // The key the alias points to must allow kms:DeleteAlias too (key policy).
    const key = await kms.store.keys.get({ account: ctx.account, region: ctx.region, keyId: alias.targetKeyId });
    if (key) await kms.authorize(ctx, key, { op: DeleteAlias, input });
    // Only while the alias still points to the key authorized above.
    return (await kms.store.aliases.delete(ctx.account, ctx.region, aliasName, alias.targetKeyId)) ? {} : undefined;
  });
};

export const DeleteAlias = defineOperation({
  facts: KMS_OPERATION_FACTS.DeleteAlias,
  aliases: false,
  readOnly: false,
  handler: deleteAlias,
});
