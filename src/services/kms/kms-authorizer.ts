import { createHash } from 'node:crypto';
import type { EncryptionContext } from '../../domain/encryption-context.js';
import type { KmsKey } from '../../domain/key.js';
import { parsePolicy } from '../../policy/document.js';
import { accessDeniedMessage, evaluateIdentityAccess, evaluateKmsAccess } from '../../policy/evaluate.js';
import type { ContextValue, Decision, RequestContext } from '../../policy/types.js';
import { AccessDeniedException } from '../../errors/aws-error.js';
import type { NamedPolicyDocument } from '../../store/iam-ports.js';
import type { Store } from '../../store/ports.js';
import type { CallContext, Principal } from '../../domain/call-context.js';
import { callerIdentityPolicies } from '../caller-policies.js';
import { callerGrantNames } from '../principal-binding.js';
import { kmsConditionKeys } from './condition-keys.js';
import { operationMask, parentRulesFor, PARENT_ROW, requestRules, subsetRuleAdmits } from '../../domain/grant-rules.js';
import type { GrantConstraints, KmsGrant } from '../../store/grant-ports.js';
import { childGrantWithinParent, grantAllows } from './grant-evaluation.js';
import type { KmsInput } from './kms-core.js';

export interface KeyAccessRequest {
  /** Permission name without the `kms:` prefix (ReEncryptFrom / ReEncryptTo for ReEncrypt). */
  action: string;
  /** From the operation's descriptor: it accepts another account's key. */
  crossAccount: boolean;
  /** From the operation's descriptor: the request carries kms:EncryptionAlgorithm. */
  algorithmConditionKey: 'kms:EncryptionAlgorithm' | undefined;
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
      conditionKeys: Object.assign(kmsConditionKeys(ctx, req.action, req.input, req.key, req.encryptionContext, req.algorithmConditionKey), req.extraConditions),
    };
    if (req.key.account !== ctx.account && !req.crossAccount) {
      throw AccessDeniedException(accessDeniedMessage(request, { allowed: false, reason: 'noResourceAllow' }));
    }
    const identity = await this.identityPolicies(ctx.principal);
    const reads = resourceKeysRead(req.key.policy, 'required');
    for (const p of identity) mergeReads(reads, resourceKeysRead(p.document, 'forbidden'));
    for (const p of ctx.principal.session?.sessionPolicies ?? []) mergeReads(reads, resourceKeysRead(p, 'forbidden'));
    if (reads.aliases || reads.tags) await this.addResourceKeys(request, req.key, reads);
    const decision = evaluateKmsAccess(request, {
      keyPolicy: req.key.policy,
      identityPolicies: identity,
      sessionPolicies: ctx.principal.session?.sessionPolicies,
    });
    // Grants are an alternative allow that no explicit Deny lets through: read them only when the
    // policies alone don't decide, so principals the policies allow never pay for anyone's grants.
    if (!decision.allowed && !decision.reason.startsWith('explicitDeny') && (await this.grantFor(ctx, req)) !== undefined) {
      ctx.authorizedKeys?.add(req.key.arn);
      return;
    }
    deny(request, decision);
    ctx.authorizedKeys?.add(req.key.arn);
  }

  /**
   * The key policy lockout safety check (CreateKey / PutKeyPolicy): the new policy must still let
   * the caller call PutKeyPolicy, unless BypassPolicyLockoutSafetyCheck is set.
   */
  async allowsPolicyUpdate(ctx: CallContext, key: KmsKey, input: KmsInput): Promise<boolean> {
    try {
      await this.authorizeKey(ctx, { action: 'PutKeyPolicy', crossAccount: false, algorithmConditionKey: undefined, key, input: { BypassPolicyLockoutSafetyCheck: false } });
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
      conditionKeys: kmsConditionKeys(ctx, operation, input, undefined, input.EncryptionContext, undefined),
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
   * so they are looked up only when a policy in play reads them — decided on the parsed
   * documents' condition keys and variables, never on the raw text, which may spell a key with
   * JSON escapes (`aws:Resource\u0054ag/…`).
   */
  private async addResourceKeys(request: RequestContext, key: KmsKey, reads: ResourceKeyReads): Promise<void> {
    const keys = request.conditionKeys;
    if (reads.aliases) {
      const aliases = await this.store.aliases.list(key.account, key.region, 100, undefined, key.keyId);
      keys['kms:ResourceAliases'] = aliases.items.map((a) => a.aliasName);
    }
    if (reads.tags) {
      for (const [k, v] of Object.entries(await this.store.tags.get(key))) keys[`aws:ResourceTag/${k}`] = v;
    }
  }

  /**
   * The id of a grant (held by the caller, or named by a grant token in the request) that allows
   * the operation on this key in this Region: held grants are found by index probes
   * (src/domain/grant-rules.ts), token grants one by one (at most 10 tokens).
   */
  private async grantFor(ctx: CallContext, req: KeyAccessRequest): Promise<string | undefined> {
    // The caller's ARNs and, for grants bound to an IAM user or role, its unique id.
    const principals = callerGrantNames(ctx.principal);
    const child = req.action === 'CreateGrant' ? requestedGrant(req.input) : undefined;
    const allows = (g: KmsGrant) =>
      child ? g.operations.includes('CreateGrant') && childGrantWithinParent(g, child.operations, child.constraints)
        : grantAllows([g], req.action, req.encryptionContext) !== undefined;
    const tokens: string[] = Array.isArray(req.input.GrantTokens) ? req.input.GrantTokens : [];
    for (const token of tokens) {
      if (typeof token !== 'string') continue;
      const g = await this.store.grants.getByToken(sha256Hex(token));
      // Grants are per key per Region: a Multi-Region replica shares its key id, not its grants.
      if (g && g.keyId === req.key.keyId && g.account === req.key.account && g.region === req.key.region &&
          principals.includes(g.granteePrincipal) && allows(g)) return g.grantId;
    }
    if (child) {
      // "Granting CreateGrant permission": a child grant may only narrow the grant it comes from
      // (operations a subset; Subset pairs may be added, or Subset turned into Equals, not the reverse).
      // Unverified: AWS documents the rule, not its error; a wider child gets the policies' AccessDeniedException.
      const parents = parentRulesFor(child.constraints);
      const scan = parents.any ? () => true : undefined;
      return this.store.grants.findByRule(req.key, principals, PARENT_ROW, parents.rules, operationMask(child.operations), scan);
    }
    const { rules, scanSubsets } = requestRules(req.action, req.encryptionContext);
    const scan = scanSubsets ? (rule: string) => rule.startsWith('sub:') && subsetRuleAdmits(rule, req.encryptionContext) : undefined;
    return this.store.grants.findByRule(req.key, principals, req.action, rules, 0, scan);
  }
}

/** The grant a CreateGrant request asks for (already validated by CreateGrant). */
function requestedGrant(input: KmsInput): { operations: string[]; constraints: GrantConstraints | undefined } {
  const operations = Array.isArray(input.Operations) ? input.Operations.filter((o: unknown): o is string => typeof o === 'string') : [];
  const c = input.Constraints as GrantConstraints | undefined;
  const constraints: GrantConstraints = {};
  if (c?.EncryptionContextEquals) constraints.EncryptionContextEquals = c.EncryptionContextEquals;
  if (c?.EncryptionContextSubset) constraints.EncryptionContextSubset = c.EncryptionContextSubset;
  return { operations, constraints: constraints.EncryptionContextEquals || constraints.EncryptionContextSubset ? constraints : undefined };
}

/** Which key-describing condition keys a set of policies reads (see addResourceKeys). */
interface ResourceKeyReads {
  aliases: boolean;
  tags: boolean;
}

const NO_READS: Readonly<ResourceKeyReads> = Object.freeze({ aliases: false, tags: false });
/** Per parsed policy (the policy engine caches parsed documents, so this is computed once per text). */
const readsOfPolicy = new WeakMap<object, Readonly<ResourceKeyReads>>();

/** What a stored policy reads, from its parsed condition keys (lowercased by the policy engine). */
function resourceKeysRead(text: string, principal: 'required' | 'forbidden'): ResourceKeyReads {
  const parsed = parsePolicy(text, { principal });
  let reads = readsOfPolicy.get(parsed);
  if (reads === undefined) {
    const keys = [...parsed.contextKeys];
    const found = { aliases: keys.includes('kms:resourcealiases'), tags: keys.some((k) => k.startsWith('aws:resourcetag/')) };
    reads = found.aliases || found.tags ? Object.freeze(found) : NO_READS;
    readsOfPolicy.set(parsed, reads);
  }
  return { aliases: reads.aliases, tags: reads.tags };
}

function mergeReads(into: ResourceKeyReads, more: ResourceKeyReads): void {
  into.aliases ||= more.aliases;
  into.tags ||= more.tags;
}

function deny(request: RequestContext, decision: Decision): void {
  if (!decision.allowed) throw AccessDeniedException(accessDeniedMessage(request, decision));
}

const sha256Hex = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
