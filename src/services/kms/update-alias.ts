import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { aliasArn } from '../../domain/arn.js';
import { NotFoundException, ValidationException } from '../../errors/aws-error.js';
import { assertCustomerAliasName } from './alias-names.js';
import type { KmsKey } from '../../domain/key.js';
import { withAliasQuota } from './alias-quota.js';
import { retryOnAliasChange } from './alias-writes.js';
import { defineOperation, type KmsHandler } from './operation.js';

/** Retargets an alias; the new key must have the same type and usage as the old one (UpdateAlias API reference). */
export const updateAlias: KmsHandler<'UpdateAlias'> = async (input, ctx, kms) => {
  const aliasName: string = input.AliasName;
  assertCustomerAliasName(aliasName);
  await kms.authorizer.authorizeIdentity(ctx, UpdateAlias.name, aliasArn(ctx.region, ctx.account, aliasName), input);
  let target: KmsKey | undefined;
  return retryOnAliasChange(async () => {
    const alias = await kms.store.aliases.get(ctx.account, ctx.region, aliasName);
    if (!alias) throw NotFoundException(`Alias ${aliasArn(ctx.region, ctx.account, aliasName)} is not found.`);
    target ??= await kms.resolveKey(ctx, input.TargetKeyId, { op: UpdateAlias, input });
    const current = await kms.store.keys.get({ account: ctx.account, region: ctx.region, keyId: alias.targetKeyId });
    if (current) await kms.authorize(ctx, current, { op: UpdateAlias, input });
    if (current && (current.keyUsage !== target.keyUsage || current.keySpec !== target.keySpec)) {
      throw ValidationException(
        `Alias ${aliasName} points to a key with KeySpec ${current.keySpec} and KeyUsage ${current.keyUsage}; ` +
          `the new target must have the same KeySpec and KeyUsage.`,
      );
    }
    // Only while the alias still points to the key checked above.
    const next = { ...alias, targetKeyId: target.keyId, lastUpdatedDate: ctx.clock.now() };
    const updated = await withAliasQuota(target, (max) => kms.store.aliases.update(next, alias.targetKeyId, max));
    return updated ? {} : undefined;
  });
};

export const UpdateAlias = defineOperation({
  facts: KMS_OPERATION_FACTS.UpdateAlias,
  // kms-key-states.md [10]: the key an alias points to may not be pending deletion.
  keyStates: { depends: 'refuse' },
  aliases: false,
  readOnly: false,
  handler: updateAlias,
});
