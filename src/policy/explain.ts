import { evaluateCondition, type CompiledCondition } from './conditions.js';
import { ConditionContext, contextStrings } from './context.js';
import { parsePolicy, type CompiledStatement, type PrincipalRule } from './document.js';
import { accessDeniedMessage, evaluateKmsAccess } from './evaluate.js';
import { resolvedText, type Matcher } from './patterns.js';
import { actionMatches, principalMatches, resourceMatches } from './statement.js';
import type { Decision, PolicyInput, RequestContext } from './types.js';

/**
 * Why a KMS request is allowed or denied: the decision (identical to evaluateKmsAccess) plus,
 * for every statement of every policy, which element matched and which did not, with the request
 * values and the policy values. Plain JSON-serializable data, for the audit trail and the CLI.
 */
export interface AccessExplanation {
  /** Null when a policy is malformed (see `error`). */
  decision: Decision | null;
  /** The AccessDeniedException message when denied. */
  message?: string;
  error?: string;
  crossAccount: boolean;
  request: { principal: string; action: string; resource: string; resourceAccount: string };
  grant: { allowed: boolean; grantId?: string };
  policies: PolicyExplanation[];
}

export interface PolicyExplanation {
  kind: 'keyPolicy' | 'identityPolicy' | 'sessionPolicy' | 'bucketPolicy';
  name: string;
  error?: string;
  statements: StatementExplanation[];
}

export interface StatementExplanation {
  index: number;
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** The statement applies to this request. */
  matched: boolean;
  principal?: PrincipalExplanation;
  action: ElementExplanation;
  resource: ElementExplanation;
  conditions: ConditionExplanation[];
  /** Human-readable reasons it did not apply (empty when matched). */
  reasons: string[];
}

export interface PrincipalExplanation {
  element: 'Principal' | 'NotPrincipal';
  expected: Record<string, readonly string[]> | '*';
  actual: string;
  matched: boolean;
  /** 'account': names the caller's account (delegation to IAM policies), not the caller itself. */
  grantsTo: 'caller' | 'account' | 'callerAndAccount' | 'none';
}

export interface ElementExplanation {
  element: 'Action' | 'NotAction' | 'Resource' | 'NotResource';
  expected: readonly string[];
  /** Policy values after variable substitution (null: a variable had no value). */
  resolved?: (string | null)[];
  actual: string;
  matched: boolean;
}

export interface ConditionExplanation {
  operator: string;
  key: string;
  matched: boolean;
  /** Request values; null when the key is absent from the request context. */
  actual: string[] | null;
  expected: readonly string[];
  resolvedExpected?: (string | null)[];
}

export function explainKmsAccess(req: RequestContext, policies: PolicyInput): AccessExplanation {
  const ctx = new ConditionContext(req);
  const p = req.principal;
  const out: AccessExplanation = {
    decision: null,
    crossAccount: p.type !== 'Service' && p.account !== req.resourceAccount,
    request: { principal: p.arn, action: req.action, resource: req.resource, resourceAccount: req.resourceAccount },
    grant: policies.grantId === undefined ? { allowed: !!policies.grantsAllow } : { allowed: !!policies.grantsAllow, grantId: policies.grantId },
    policies: [
      explainPolicy('keyPolicy', 'default', policies.keyPolicy, 'required', req, ctx),
      ...policies.identityPolicies.map((ip) => explainPolicy('identityPolicy', ip.name, ip.document, 'forbidden', req, ctx)),
      ...(policies.sessionPolicies ?? []).map((sp, i) => explainPolicy('sessionPolicy', `session-${i + 1}`, sp, 'forbidden', req, ctx)),
    ],
  };
  try {
    out.decision = evaluateKmsAccess(req, policies);
    if (!out.decision.allowed) out.message = accessDeniedMessage(req, out.decision);
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  }
  return out;
}

/** Statement by statement, for any service's policies (S3: the bucket policy and the caller's identity policies). */
export function explainPolicies(req: RequestContext, policies: { kind: PolicyExplanation['kind']; name: string; text: string; principal: PrincipalRule }[]): PolicyExplanation[] {
  const ctx = new ConditionContext(req);
  return policies.map((p) => explainPolicy(p.kind, p.name, p.text, p.principal, req, ctx));
}

function explainPolicy(
  kind: PolicyExplanation['kind'], name: string, text: string, rule: PrincipalRule, req: RequestContext, ctx: ConditionContext,
): PolicyExplanation {
  try {
    const policy = parsePolicy(text, { principal: rule });
    return { kind, name, statements: policy.statements.map((s) => explainStatement(s, req, ctx)) };
  } catch (e) {
    return { kind, name, error: e instanceof Error ? e.message : String(e), statements: [] };
  }
}

function explainStatement(s: CompiledStatement, req: RequestContext, ctx: ConditionContext): StatementExplanation {
  const reasons: string[] = [];
  let principal: PrincipalExplanation | undefined;
  if (s.principal) {
    const pm = principalMatches(s, req.principal);
    const matched = pm.caller || pm.account;
    const grantsTo = pm.caller && pm.account ? 'callerAndAccount' : pm.caller ? 'caller' : pm.account ? 'account' : 'none';
    const element = s.notPrincipal ? 'NotPrincipal' : 'Principal';
    principal = { element, expected: s.principal.raw, actual: req.principal.arn, matched, grantsTo };
    if (!matched) {
      reasons.push(s.notPrincipal ? `${req.principal.arn} is excluded by NotPrincipal` : `${req.principal.arn} is not named in Principal (nor is its account)`);
    }
  }
  const action = element(s.action, s.notAction ? 'NotAction' : 'Action', req.action, actionMatches(s, req.action.toLowerCase(), ctx), ctx);
  if (!action.matched) reasons.push(mismatch(action));
  const resource = element(s.resource, s.notResource ? 'NotResource' : 'Resource', req.resource, resourceMatches(s, req.resource, ctx), ctx);
  if (!resource.matched) reasons.push(mismatch(resource));
  const conditions = s.conditions.map((c) => explainCondition(c, ctx));
  for (const c of conditions) if (!c.matched) reasons.push(conditionReason(c));
  const result: StatementExplanation = { index: s.index, effect: s.effect, matched: reasons.length === 0, action, resource, conditions, reasons };
  if (s.sid !== undefined) result.sid = s.sid;
  if (principal) result.principal = principal;
  return result;
}

function element(m: Matcher, name: ElementExplanation['element'], actual: string, matched: boolean, ctx: ConditionContext): ElementExplanation {
  const e: ElementExplanation = { element: name, expected: m.raw, actual, matched };
  const vars = m.patterns.filter((p) => p.parts);
  if (vars.length > 0) {
    e.resolved = m.raw.map((raw) => {
      const p = m.patterns.find((q) => q.raw === raw && q.parts);
      return p ? resolvedText(p, ctx) : raw;
    });
  }
  return e;
}

function mismatch(e: ElementExplanation): string {
  const list = JSON.stringify(e.resolved ?? e.expected);
  return e.element.startsWith('Not') ? `${e.actual} is listed in ${e.element} ${list}` : `${e.actual} does not match ${e.element} ${list}`;
}

function explainCondition(c: CompiledCondition, ctx: ConditionContext): ConditionExplanation {
  const raw = ctx.get(c.keyLower, c.key);
  const e: ConditionExplanation = {
    operator: c.operator,
    key: c.key,
    matched: evaluateCondition(c, ctx),
    actual: raw === undefined ? null : [...contextStrings(raw)],
    expected: c.expected,
  };
  if (c.patterns?.some((p) => p.parts)) e.resolvedExpected = c.patterns.map((p) => resolvedText(p, ctx));
  return e;
}

function conditionReason(c: ConditionExplanation): string {
  const expected = JSON.stringify(c.resolvedExpected ?? c.expected);
  if (c.actual === null) return `condition ${c.operator} ${c.key}: key is absent from the request (policy values ${expected})`;
  return `condition ${c.operator} ${c.key}: request value ${JSON.stringify(c.actual)} does not satisfy ${expected}`;
}
