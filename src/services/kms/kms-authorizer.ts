import { createHash } from 'node:crypto';
import type { EncryptionContext } from '../../domain/encryption-context.js';
import type { KmsKey } from '../../domain/key.js';
import { accessDeniedMessage, evaluateIdentityAccess, evaluateKmsAccess } from '../../policy/evaluate.js';
import type { ContextValue, Decision, RequestContext } from '../../policy/types.js';
import { AccessDeniedException } from '../../protocols/errors.js';
import type { NamedPolicyDocument } from '../../store/iam-ports.js';
import type { Store } from '../../store/ports.js';
import type { CallContext, Principal } from '../call-context.js';
import { callerIdentityPolicies } from '../caller-policies.js';
import { kmsConditionKeys } from './condition-keys.js';
import { grantAllows } from './grant-evaluation.js';
import type { KmsInput } from './operation.js';

/** Operations that accept a key of another account (kms-op-permissions.tsv, "cross_account"). */
const CROSS_ACCOUNT = new Set([
  'CreateGrant', 'Decrypt', 'DeriveSharedSecret', 'DescribeKey', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateDataKeyWithoutPlaintext', 'GenerateMac', 'GetKeyRotationStatus',
  'GetPublicKey', 'ListGrants', 'ReEncryptFrom', 'ReEncryptTo', 'RetireGrant', 'RevokeGrant', 'Sign', 'Verify', 'VerifyMac',
]);

export interface KeyAccessRequest {
  /** Permission name without the `kms:` prefix (ReEncryptFrom / ReEncryptTo for ReEncrypt). */
  action: string;
  key: KmsKey;
  input: KmsInput;
  encryptionContext?: EncryptionContext;
  extraConditions?: Record<string, ContextValue | undefined>;
}

/**
 * Decides every KMS call the way AWS KMS does: key policy, the caller's IAM policies (and
 * session policies), grants and grant tokens; explicit Deny wins (KMS Developer Guide,
 * "Determining access to a KMS key"). Denials are AccessDeniedException in AWS's forms.
 */
export class KmsAuthorizer {
  constructor(private readonly store: Store) {}

  async authorizeKey(ctx: CallContext, req: KeyAccessRequest): Promise<void> {
    const action = `kms:${req.action}`;
    const request: RequestContext = {
      principal: ctx.principal,
      action,
      resource: req.key.arn,
      resourceAccount: req.key.account,
      conditionKeys: Object.assign(kmsConditionKeys(ctx, req.action, req.input, req.key, req.encryptionContext), req.extraConditions),
    };
    if (req.key.account !== ctx.account && !CROSS_ACCOUNT.has(req.action)) {
      throw AccessDeniedException(accessDeniedMessage(request, { allowed: false, reason: 'noResourceAllow' }));
    }
    const identity = await this.identityPolicies(ctx.principal);
    await this.addResourceKeys(request, req.key, [req.key.policy, ...identity.map((p) => p.document), ...(ctx.principal.session?.sessionPolicies ?? [])]);
    const grant = await this.grantFor(ctx, req);
    const decision = evaluateKmsAccess(request, {
      keyPolicy: req.key.policy,
      identityPolicies: identity,
      sessionPolicies: ctx.principal.session?.sessionPolicies,
      grantsAllow: grant !== undefined,
      grantId: grant,
    });
    deny(request, decision);
    ctx.authorizedKeys?.add(req.key.arn);
  }

  /**
   * The key policy lockout safety check (CreateKey / PutKeyPolicy): the new policy must still let
   * the caller call PutKeyPolicy, unless BypassPolicyLockoutSafetyCheck is set.
   */
  async allowsPolicyUpdate(ctx: CallContext, key: KmsKey, input: KmsInput): Promise<boolean> {
    try {
      await this.authorizeKey(ctx, { action: 'PutKeyPolicy', key, input: { BypassPolicyLockoutSafetyCheck: false } });
      return true;
    } catch (e) {
      if ((e as Error).name === 'AccessDeniedException') return false;
      throw e;
    }
  }

  /** Operations governed by IAM policies alone (CreateKey, ListKeys, ListAliases, GenerateRandom, alias resources). */
  async authorizeIdentity(ctx: CallContext, operation: string, resource: string, input: KmsInput): Promise<void> {
    const request: RequestContext = {
      principal: ctx.principal,
      action: `kms:${operation}`,
      resource,
      resourceAccount: ctx.account,
      conditionKeys: kmsConditionKeys(ctx, operation, input, undefined, input.EncryptionContext),
    };
    const decision = evaluateIdentityAccess(request, {
      identityPolicies: await this.identityPolicies(ctx.principal),
      sessionPolicies: ctx.principal.session?.sessionPolicies,
    });
    deny(request, decision);
  }

  identityPolicies(p: Principal): Promise<NamedPolicyDocument[]> {
    return callerIdentityPolicies(this.store, p);
  }

  /**
   * kms:ResourceAliases and aws:ResourceTag/* describe the key itself; they cost a store read,
   * so they are looked up only when a policy in play mentions them.
   */
  private async addResourceKeys(request: RequestContext, key: KmsKey, documents: string[]): Promise<void> {
    const text = documents.join('\n').toLowerCase();
    const keys = request.conditionKeys;
    if (text.includes('kms:resourcealiases')) {
      const aliases = await this.store.aliases.list(key.account, key.region, 100, undefined, key.keyId);
      keys['kms:ResourceAliases'] = aliases.items.map((a) => a.aliasName);
    }
    if (text.includes('aws:resourcetag/')) {
      for (const [k, v] of Object.entries(await this.store.tags.get(key))) keys[`aws:ResourceTag/${k}`] = v;
    }
  }

  /** A grant (held by the caller, or named by a grant token in the request) that allows the operation. */
  private async grantFor(ctx: CallContext, req: KeyAccessRequest): Promise<string | undefined> {
    const p = ctx.principal;
    const principals = [p.arn, ...(p.roleArn ? [p.roleArn] : [])];
    const grants = [...(await this.store.grants.forGrantee(req.key, principals))];
    const tokens: string[] = Array.isArray(req.input.GrantTokens) ? req.input.GrantTokens : [];
    for (const token of tokens) {
      const g = await this.store.grants.getByToken(sha256Hex(token));
      if (g && g.keyId === req.key.keyId && g.account === req.key.account && principals.includes(g.granteePrincipal)) grants.push(g);
    }
    return grantAllows(grants, req.action, req.encryptionContext)?.grantId;
  }
}

function deny(request: RequestContext, decision: Decision): void {
  if (!decision.allowed) throw AccessDeniedException(accessDeniedMessage(request, decision));
}

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
