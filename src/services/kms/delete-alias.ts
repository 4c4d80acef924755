import { aliasArn } from '../../domain/arn.js';
import { NotFoundException } from '../../protocols/errors.js';
import { assertCustomerAliasName } from './alias-names.js';
import type { KmsOperation } from './operation.js';

export const deleteAlias: KmsOperation = async (input, ctx, kms) => {
  const aliasName: string = input.AliasName;
  assertCustomerAliasName(aliasName);
  if (!(await kms.store.aliases.delete(ctx.account, ctx.region, aliasName))) {
    throw NotFoundException(`Alias ${aliasArn(ctx.region, ctx.account, aliasName)} is not found.`);
  }
  return {};
};
