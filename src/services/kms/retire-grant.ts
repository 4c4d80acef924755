import type { RetireGrantRequest } from '../../model/kms-types.js';
import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { isKeyId, parseKeyReference } from '../../domain/arn.js';
import type { KmsKey } from '../../domain/key.js';
import { accessDeniedMessage, evaluateIdentityAccess } from '../../policy/evaluate.js';
import type { RequestContext } from '../../policy/types.js';
import { AccessDeniedException, InvalidGrantTokenException, NotFoundException, ValidationException } from '../../errors/aws-error.js';
import type { KmsGrant } from '../../store/grant-ports.js';
import type { CallContext } from '../../domain/call-context.js';
import { kmsConditionKeys } from './condition-keys.js';
import { callerGrantNames } from '../principal-binding.js';
import { GRANT_TOKEN_FORMAT, grantTokenSha256, principalAccount } from './create-grant.js';
import type { KmsService } from './kms-service.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';
import { grantOnKey } from './revoke-grant.js';

/**
 * The key a RetireGrant KeyId names (key id or key ARN, any account). Not authorized by the key
 * policy: the grant decides who may retire it (KMS Developer Guide, "Retiring and revoking grants").
 */
async function findKey(ctx: CallContext, kms: KmsService, value: string): Promise<KmsKey> {
  const ref = parseKeyReference(value);
  if (ref.kind === 'keyId' && isKeyId(ref.keyId)) return kms.loadKey(ctx, { account: ctx.account, region: ctx.region, keyId: ref.keyId });
  if (ref.kind === 'keyArn') {
    if (ref.region !== ctx.region) throw NotFoundException(`Invalid arn ${ref.region}`);
    if (isKeyId(ref.keyId) && /^\d{12}$/.test(ref.account)) return kms.loadKey(ctx, { account: ref.account, region: ref.region, keyId: ref.keyId });
  }
  throw NotFoundException(`Invalid keyId '${value}'`);
}

async function findGrant(ctx: CallContext, kms: KmsService, input: RetireGrantRequest): Promise<{ key: KmsKey; grant: KmsGrant }> {
  const token: string | undefined = input.GrantToken;
  if (token !== undefined) {
    if (!GRANT_TOKEN_FORMAT.test(token)) throw InvalidGrantTokenException('Invalid grant token.');
    const grant = await kms.store.grants.getByToken(grantTokenSha256(token));
    if (!grant || grant.region !== ctx.region) throw NotFoundException('Grant not found for the grant token.');
    return { key: await kms.loadKey(ctx, grant), grant };
  }
  if (input.KeyId === undefined || input.GrantId === undefined) {
    throw ValidationException('Specify either GrantToken, or both KeyId and GrantId.');
  }
  const key = await findKey(ctx, kms, input.KeyId);
  return { key, grant: await grantOnKey(kms, key, input.GrantId) };
}

/**
 * Who may retire a grant (KMS Developer Guide, "Retiring and revoking grants"): its retiring
 * principal, its grantee when the grant allows RetireGrant — neither needs kms:RetireGrant, but
 * an explicit Deny of kms:RetireGrant stops them — and, through an IAM policy that allows
 * kms:RetireGrant (the account root always), principals of the key's account, of the account
 * that created the grant, or of a retiring account.
 */
async function authorizeRetire(ctx: CallContext, kms: KmsService, key: KmsKey, grant: KmsGrant, input: RetireGrantRequest): Promise<void> {
  const p = ctx.principal;
  const me = callerGrantNames(p);
  const named =
    (grant.retiringPrincipal !== undefined && me.includes(grant.retiringPrincipal)) ||
    (grant.operations.includes('RetireGrant') && me.includes(grant.granteePrincipal));
  const accounts = [key.account, principalAccount(grant.issuingAccount)];
  if (grant.retiringPrincipal?.endsWith(':root')) accounts.push(principalAccount(grant.retiringPrincipal));

  const request: RequestContext = {
    principal: p,
    action: 'kms:RetireGrant',
    resource: key.arn,
    resourceAccount: key.account,
    conditionKeys: kmsConditionKeys(ctx, RetireGrant.name, input, key, undefined, RetireGrant.algorithmConditionKey),
  };
  const decision = evaluateIdentityAccess(request, {
    identityPolicies: await kms.authorizer.identityPolicies(p),
    sessionPolicies: p.session?.sessionPolicies,
  });
  if (decision.allowed) {
    if (named || accounts.includes(ctx.account)) return;
    throw AccessDeniedException(accessDeniedMessage(request, { allowed: false, reason: 'noResourceAllow' }));
  }
  if (named && !decision.reason.startsWith('explicitDeny')) return;
  throw AccessDeniedException(accessDeniedMessage(request, decision));
}

export const retireGrant: KmsHandler<'RetireGrant'> = async (input, ctx, kms) => {
  const { key, grant } = await findGrant(ctx, kms, input);
  await authorizeRetire(ctx, kms, key, grant, input);
  stopIfDryRun(input);
  await kms.store.grants.delete(key, grant.grantId);
  return {};
};

export const RetireGrant = defineOperation({
  facts: KMS_OPERATION_FACTS.RetireGrant,
  aliases: false,
  readOnly: false,
  handler: retireGrant,
});
