/**
 * Who may explain what (the API door): a caller may explain only what it could read itself.
 * - a KMS key: kms:GetKeyPolicy and kms:ListGrants on the key, as KMS decides them (the key policy,
 *   the caller's IAM policies, grants; another account's key only as far as KMS lets it);
 * - an S3 bucket: s3:GetBucketPolicy on the bucket, as S3 decides it;
 * - another principal's identity policies: iam:Get/List/ListAttached{User,Role}Policies on that
 *   user or role of the caller's own account (IAM is account-scoped); a caller explaining itself
 *   needs none of these;
 * - an audit event: cloudtrail:LookupEvents (and the above for the call it records).
 * Denials are AccessDeniedException with AWS's message forms.
 */
import { AccessDeniedException, AwsError } from '../../errors/aws-error.js';
import { accessDeniedMessage, evaluateIdentityAccess } from '../../policy/index.js';
import type { RequestContext } from '../../policy/types.js';
import type { CallContext, Principal } from '../../domain/call-context.js';
import { callerIdentityPolicies, globalConditionKeys } from '../caller-policies.js';
import { descriptorForPermission } from '../kms/operations.js';
import { KmsAuthorizer } from '../kms/kms-authorizer.js';
import { authorizeS3, bucketArn } from '../s3/authorize.js';
import type { ExplainDeps, ExplainRequest } from './gather.js';
import { resolveSseKey } from './s3-explain.js';

const KEY_ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;
const S3_ARN = /^arn:aws:s3:::([^/]+)/;
const PRINCIPAL_ARN = /^arn:aws:(?:iam|sts)::(\d{12}):(root|user\/(?:.*\/)?[^/]+|role\/(?:.*\/)?([^/]+)|assumed-role\/([^/]+)\/[^/]+)$/;

/** Identity-policy authorization of the caller (the account root is not governed by IAM policies). */
export async function authorizeCaller(deps: ExplainDeps, ctx: CallContext, action: string, resource: string): Promise<void> {
  const p = ctx.principal;
  if (p.type === 'Root' && !p.session) return;
  const request: RequestContext = { principal: p, action, resource, resourceAccount: ctx.account, conditionKeys: globalConditionKeys(ctx) };
  const decision = evaluateIdentityAccess(request, { identityPolicies: await callerIdentityPolicies(deps.store, p), sessionPolicies: p.session?.sessionPolicies });
  if (!decision.allowed) throw AccessDeniedException(accessDeniedMessage(request, decision).replace(' on resource: *', ''));
}

export async function authorizeExplain(deps: ExplainDeps, ctx: CallContext, req: ExplainRequest): Promise<void> {
  await readableResource(deps, ctx, req.resource);
  const bucket = S3_ARN.exec(req.resource);
  if (bucket && req.sseKmsKeyId !== undefined) {
    // The SSE-KMS key as S3 would resolve it for the requester (ids and aliases in its account, the bucket's Region).
    const region = (await deps.s3?.getBucket(bucket[1]!))?.region ?? ctx.region;
    const account = PRINCIPAL_ARN.exec(req.principal)?.[1] ?? ctx.account;
    await readableResource(deps, ctx, await resolveSseKey(deps, req.sseKmsKeyId, account, region));
  }
  await readablePrincipal(deps, ctx, req.principal);
}

async function readableResource(deps: ExplainDeps, ctx: CallContext, resource: string): Promise<void> {
  const key = KEY_ARN.exec(resource);
  if (key) {
    const [, region, account, keyId] = key as unknown as [string, string, string, string];
    const found = await deps.store.keys.get({ account, region, keyId });
    // A key that does not exist reveals nothing KMS would not (NotFoundException).
    if (!found) return;
    // As KMS would decide a GetKeyPolicy / ListGrants sent to the key's Region.
    const at = { ...ctx, region, authorizedKeys: undefined };
    const authorizer = new KmsAuthorizer(deps.store);
    await authorizer.authorizeKey(at, { ...facts('GetKeyPolicy'), key: found, input: { KeyId: resource, PolicyName: 'default' } });
    await authorizer.authorizeKey(at, { ...facts('ListGrants'), key: found, input: { KeyId: resource } });
    return;
  }
  const s3 = S3_ARN.exec(resource);
  if (s3 && deps.s3) {
    const bucket = await deps.s3.getBucket(s3[1]!);
    if (!bucket) return;
    try {
      await authorizeS3(deps, { ...ctx, region: bucket.region }, 's3:GetBucketPolicy', bucketArn(bucket.name), bucket);
    } catch (e) {
      throw e instanceof AwsError && e.code === 'AccessDenied' ? AccessDeniedException(e.message) : e;
    }
  }
}

/**
 * The key's own condition keys the answer may show: its tags (aws:ResourceTag/*) only with
 * kms:ListResourceTags on the key, its aliases (kms:ResourceAliases) only with kms:ListAliases.
 */
export async function readableKeyFacts(deps: ExplainDeps, ctx: CallContext, keyArn: string): Promise<{ tags: boolean; aliases: boolean }> {
  const m = KEY_ARN.exec(keyArn);
  const key = m ? await deps.store.keys.get({ account: m[2]!, region: m[1]!, keyId: m[3]! }) : undefined;
  if (!key) return { tags: false, aliases: false };
  const at = { ...ctx, region: key.region, authorizedKeys: undefined };
  const allowed = (p: Promise<void>) => p.then(() => true, (e: unknown) => (e instanceof AwsError && e.code.startsWith('AccessDenied') ? false : Promise.reject(e)));
  return {
    tags: await allowed(new KmsAuthorizer(deps.store).authorizeKey(at, { ...facts('ListResourceTags'), key, input: { KeyId: keyArn } })),
    aliases: await allowed(authorizeCaller(deps, at, 'kms:ListAliases', '*')),
  };
}

/** The authorizer's facts of a KMS operation, from its descriptor. */
function facts(action: string): { action: string; crossAccount: boolean; algorithmConditionKey: 'kms:EncryptionAlgorithm' | undefined } {
  const op = descriptorForPermission(action)!;
  return { action, crossAccount: op.crossAccount, algorithmConditionKey: op.algorithmConditionKey };
}

/** The caller itself (its ARN, or its role for a role session) needs no IAM read rights. */
function isCaller(p: Principal, arn: string): boolean {
  return arn === p.arn || (p.roleArn !== undefined && (arn === p.roleArn || arn.startsWith(`arn:aws:sts::${p.account}:assumed-role/${p.roleName}/`)));
}

async function readablePrincipal(deps: ExplainDeps, ctx: CallContext, arn: string): Promise<void> {
  const m = PRINCIPAL_ARN.exec(arn);
  // Malformed ARNs are refused by the engine (ValidationException); a root has no identity policies to read.
  if (!m || m[2] === 'root' || isCaller(ctx.principal, arn)) return;
  const account = m[1]!;
  const roleName = m[3] ?? m[4];
  const kind = roleName === undefined ? 'User' : 'Role';
  const role = roleName === undefined ? undefined : await deps.store.iam.getRole(account, roleName);
  const resource = roleName === undefined ? arn : (role?.arn ?? `arn:aws:iam::${account}:role/${roleName}`);
  for (const action of [`iam:Get${kind}Policy`, `iam:List${kind}Policies`, `iam:ListAttached${kind}Policies`]) {
    if (account !== ctx.account) {
      // IAM reads are account-scoped: another account's users and roles are never readable.
      throw AccessDeniedException(`User: ${ctx.principal.arn} is not authorized to perform: ${action} on resource: ${resource}`);
    }
    await authorizeCaller(deps, ctx, action, resource);
  }
}
