import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import type { KmsKey } from '../../domain/key.js';
import { NotFoundException } from '../../errors/aws-error.js';
import type { KmsGrant } from '../../store/grant-ports.js';
import type { KmsService } from './kms-service.js';
import { assertGrantIdFormat } from './list-grants.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';

/** The grant `grantId` on `key`: InvalidGrantIdException when malformed, NotFoundException when absent. */
export async function grantOnKey(kms: KmsService, key: KmsKey, grantId: string): Promise<KmsGrant> {
  assertGrantIdFormat(grantId);
  const grant = await kms.store.grants.get(key, grantId);
  if (!grant) throw NotFoundException(`Grant ID ${grantId} not found`);
  return grant;
}

/** Deletes a grant; authorized like other key operations, by key policy and IAM policy (kms:RevokeGrant). */
export const revokeGrant: KmsHandler<'RevokeGrant'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: RevokeGrant, input });
  const grant = await grantOnKey(kms, key, input.GrantId);
  stopIfDryRun(input);
  await kms.store.grants.delete(key, grant.grantId);
  return {};
};

export const RevokeGrant = defineOperation({
  facts: KMS_OPERATION_FACTS.RevokeGrant,
  aliases: false,
  readOnly: false,
  handler: revokeGrant,
});
