import { evaluateConditions } from './conditions.js';
import type { ConditionContext } from './context.js';
import type { CompiledPolicy, CompiledStatement } from './document.js';
import { matchAny } from './patterns.js';
import { matchNotPrincipal, matchPrincipal, type PrincipalMatch } from './principal.js';
import type { RequestPrincipal } from './types.js';

/**
 * Statement matching (IAM User Guide, "Policy evaluation logic"): a statement applies when its
 * principal, action, resource and every condition match. NotAction / NotResource / NotPrincipal
 * apply to everything except what they list.
 */

/** `actionLower` is the request action lowercased (actions are case-insensitive). */
export function actionMatches(s: CompiledStatement, actionLower: string, ctx: ConditionContext): boolean {
  return matchAny(s.action, actionLower, ctx) !== s.notAction;
}

/** Resources are case-sensitive and may hold policy variables. */
export function resourceMatches(s: CompiledStatement, resource: string, ctx: ConditionContext): boolean {
  return matchAny(s.resource, resource, ctx) !== s.notResource;
}

const EVERYONE: PrincipalMatch = { caller: true, account: true, exactSession: false };

/** Identity-policy statements have no principal: they apply to the identity they are attached to. */
export function principalMatches(s: CompiledStatement, p: RequestPrincipal): PrincipalMatch {
  if (!s.principal) return EVERYONE;
  return s.notPrincipal ? matchNotPrincipal(s.principal, p) : matchPrincipal(s.principal, p);
}

/** What one policy says about a request. */
export interface PolicyVerdict {
  /** A matching Deny statement. */
  deny: boolean;
  /** A matching Allow statement names the caller (or `*`). */
  allowCaller: boolean;
  /** A matching Allow statement names the caller's account (KMS: delegation to IAM policies). */
  allowAccount: boolean;
  /** The caller was allowed by its exact session ARN. */
  allowExactSession: boolean;
}

/**
 * Scans a policy. Stops at the first matching Deny (nothing else matters once denied).
 * Conditions run last: they are the most expensive part.
 */
export function evaluatePolicy(
  policy: CompiledPolicy, principal: RequestPrincipal, actionLower: string, resource: string, ctx: ConditionContext,
): PolicyVerdict {
  const v: PolicyVerdict = { deny: false, allowCaller: false, allowAccount: false, allowExactSession: false };
  for (const s of policy.statements) {
    if (s.effect === 'Allow' && v.allowCaller && v.allowAccount && (v.allowExactSession || !s.principal)) continue;
    if (!actionMatches(s, actionLower, ctx) || !resourceMatches(s, resource, ctx)) continue;
    const pm = principalMatches(s, principal);
    if (!pm.caller && !pm.account) continue;
    if (s.conditions.length > 0 && !evaluateConditions(s.conditions, ctx)) continue;
    if (s.effect === 'Deny') {
      v.deny = true;
      return v;
    }
    v.allowCaller ||= pm.caller;
    v.allowAccount ||= pm.account;
    v.allowExactSession ||= pm.exactSession;
  }
  return v;
}
