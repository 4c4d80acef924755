import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { aliasArn } from '../../domain/arn.js';
import { AlreadyExistsException } from '../../errors/aws-error.js';
import { assertCustomerAliasName } from './alias-names.js';
import { withAliasQuota } from './alias-quota.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const createAlias: KmsHandler<'CreateAlias'> = async (input, ctx, kms) => {
  const aliasName: string = input.AliasName;
  assertCustomerAliasName(aliasName);
  await kms.authorizer.authorizeIdentity(ctx, CreateAlias.name, aliasArn(ctx.region, ctx.account, aliasName), input);
  const key = await kms.resolveKey(ctx, input.TargetKeyId, { op: CreateAlias, input });
  const now = ctx.clock.now();
  const created = await withAliasQuota(key, (max) => kms.store.aliases.create({
    account: ctx.account,
    region: ctx.region,
    aliasName,
    targetKeyId: key.keyId,
    creationDate: now,
    lastUpdatedDate: now,
  }, max));
  if (!created) throw AlreadyExistsException(`An alias with the name ${aliasArn(ctx.region, ctx.account, aliasName)} already exists`);
  return {};
};

export const CreateAlias = defineOperation({
  facts: KMS_OPERATION_FACTS.CreateAlias,
  aliases: false,
  readOnly: false,
  handler: createAlias,
});
