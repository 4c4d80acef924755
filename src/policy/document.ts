import { MalformedPolicyDocumentException } from '../errors/aws-error.js';
import { compileConditions, type CompiledCondition } from './conditions.js';
import { compileMatcher, isVariable, type Matcher, type Pattern } from './patterns.js';
import { compilePrincipal, type PrincipalSpec } from './principal.js';

/**
 * Policy documents: parse, validate and compile once per distinct text (IAM User Guide, "IAM JSON
 * policy element reference" and "Grammar of the IAM JSON policy language").
 */

export type PolicyVersion = '2012-10-17' | '2008-10-17';
/** Key (resource) policies require a principal; identity and session policies forbid it. */
export type PrincipalRule = 'required' | 'forbidden' | 'optional';

export interface ParseOptions {
  principal: PrincipalRule;
}

export interface CompiledStatement {
  readonly index: number;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  /** Principal or NotPrincipal (see `notPrincipal`); absent in identity policies. */
  readonly principal?: PrincipalSpec;
  readonly notPrincipal: boolean;
  readonly action: Matcher;
  readonly notAction: boolean;
  readonly resource: Matcher;
  readonly notResource: boolean;
  readonly conditions: readonly CompiledCondition[];
}

export interface CompiledPolicy {
  /** Version element; "2008-10-17" when absent (variables are then literal text). */
  readonly version: PolicyVersion;
  readonly id?: string;
  readonly statements: readonly CompiledStatement[];
  /** IAM/STS principal ARNs the document names (callers may check that they exist). */
  readonly namedPrincipals: readonly string[];
  /**
   * Every request-context key the document reads, lowercased: condition keys and policy variables,
   * as parsed (so `aws:Resource\u0054ag/x` is `aws:resourcetag/x`). Callers that fetch costly keys
   * (resource tags, aliases) only when a policy reads them must ask this, never the raw text.
   */
  readonly contextKeys: ReadonlySet<string>;
}

/** Distinct policy texts kept compiled per principal rule; the oldest entry is evicted first. */
export const POLICY_CACHE_LIMIT = 2048;
type Entry = CompiledPolicy | { error: string };
const caches: Record<PrincipalRule, Map<string, Entry>> = { required: new Map(), forbidden: new Map(), optional: new Map() };

/** Parses and compiles a policy; throws MalformedPolicyDocumentException with AWS-like messages. */
export function parsePolicy(text: string, options: ParseOptions): CompiledPolicy {
  const cache = caches[options.principal];
  let entry = cache.get(text);
  if (entry === undefined) {
    try {
      entry = compilePolicy(text, options);
    } catch (e) {
      if (!(e instanceof Error) || e.name !== 'MalformedPolicyDocumentException') throw e;
      entry = { error: e.message };
    }
    if (cache.size >= POLICY_CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(text, entry);
  }
  if ('error' in entry) throw MalformedPolicyDocumentException(entry.error);
  return entry;
}

export function clearPolicyCache(): void {
  for (const c of Object.values(caches)) c.clear();
}

export const policyCacheSize = () => Object.values(caches).reduce((n, c) => n + c.size, 0);

const SYNTAX = 'Syntax errors in policy.';
const fail = (message: string = SYNTAX): never => {
  throw MalformedPolicyDocumentException(message);
};

const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition']);

function compilePolicy(text: string, options: ParseOptions): CompiledPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return fail();
  }
  if (!isObject(doc) || !Object.keys(doc).every((k) => TOP_LEVEL.has(k))) return fail();
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') {
    fail('The policy document has an invalid Version.');
  }
  const version: PolicyVersion = doc.Version === '2012-10-17' ? '2012-10-17' : '2008-10-17';
  if (doc.Id !== undefined && typeof doc.Id !== 'string') fail();
  const raw = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  if (raw.length === 0) fail('The policy document must contain a Statement.');
  const statements = raw.map((s, i) => compileStatement(s, i, version === '2012-10-17', options));
  if (options.principal === 'forbidden') {
    const sids = statements.flatMap((s) => (s.sid ? [s.sid] : []));
    if (new Set(sids).size !== sids.length) fail('Statement IDs (SID) in a single policy must be unique.');
  }
  if (options.principal === 'required') statements.forEach(rejectOverlyPermissive);
  const named = new Set<string>();
  for (const s of statements) for (const arn of s.principal?.arns ?? []) if (!arn.endsWith(':root')) named.add(arn);
  return { version, id: doc.Id as string | undefined, statements, namedPrincipals: [...named], contextKeys: contextKeysOf(statements) };
}

function contextKeysOf(statements: readonly CompiledStatement[]): Set<string> {
  const keys = new Set<string>();
  const variables = (patterns: readonly Pattern[] | undefined) => {
    for (const p of patterns ?? []) for (const part of p.parts ?? []) if (isVariable(part)) keys.add(part.key);
  };
  for (const s of statements) {
    variables(s.resource.patterns);
    for (const c of s.conditions) {
      keys.add(c.keyLower);
      variables(c.patterns);
    }
  }
  return keys;
}

function compileStatement(s: unknown, index: number, variables: boolean, options: ParseOptions): CompiledStatement {
  if (!isObject(s) || !Object.keys(s).every((k) => STATEMENT_KEYS.has(k))) return fail();
  if (s.Sid !== undefined && typeof s.Sid !== 'string') fail();
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') fail('Policy contains a statement with an invalid Effect.');
  const principal = compilePrincipalElement(s, options.principal);
  const action = exclusive(s, 'Action', 'NotAction', 'Policy statement must contain actions.');
  action.values.forEach(validateAction);
  const resource = exclusive(s, 'Resource', 'NotResource', 'Policy statement must contain resources.');
  for (const r of resource.values) if (r !== '*' && !r.startsWith('arn:')) fail(`Resource ${r} must be in ARN format or "*".`);
  return {
    index,
    sid: s.Sid as string | undefined,
    effect: s.Effect as 'Allow' | 'Deny',
    ...principal,
    action: compileMatcher(action.values, { wildcards: true, variables: false, ignoreCase: true }),
    notAction: action.not,
    // Policy variables are allowed in Resource ("IAM policy elements: Variables and tags").
    resource: compileMatcher(resource.values, { wildcards: true, variables, ignoreCase: false }),
    notResource: resource.not,
    conditions: s.Condition === undefined ? [] : compileConditions(s.Condition, variables),
  };
}

function compilePrincipalElement(s: Record<string, unknown>, rule: PrincipalRule) {
  if (s.Principal !== undefined && s.NotPrincipal !== undefined) fail();
  const value = s.Principal ?? s.NotPrincipal;
  if (value === undefined) {
    if (rule === 'required') fail('Missing required field Principal');
    return { notPrincipal: false };
  }
  if (rule === 'forbidden') fail('Policy document should not specify a principal.');
  const spec = compilePrincipal(value);
  if (!spec) return fail('Policy contains a statement with one or more invalid principals.');
  return { principal: spec, notPrincipal: s.NotPrincipal !== undefined };
}

function exclusive(s: Record<string, unknown>, name: string, notName: string, missing: string) {
  if (s[name] !== undefined && s[notName] !== undefined) fail();
  const not = s[notName] !== undefined;
  const value = not ? s[notName] : s[name];
  if (value === undefined) return fail(missing);
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) fail(missing);
  if (!values.every((v) => typeof v === 'string' && v.length > 0)) fail();
  return { values: values as string[], not };
}

/**
 * KMS refuses ForAllValues on single-valued keys (KMS Developer Guide, "kms:EncryptionContext:
 * context-key" and "Using set operators with condition keys").
 */
function rejectOverlyPermissive(s: CompiledStatement): void {
  for (const c of s.conditions) {
    if (c.set !== 'ForAllValues') continue;
    const what = c.keyLower.startsWith('kms:encryptioncontext:') ? ['EncryptionContext', 'encryption context']
      : c.keyLower.startsWith('aws:requesttag/') ? ['RequestTag', 'tag'] : undefined;
    if (what) {
      fail(`OverlyPermissiveCondition:${what[0]}: Using the ForAllValues set operator with a single-valued condition key matches requests without the specified ${what[1]} or with an unspecified ${what[1]}. To fix, remove ForAllValues.`);
    }
  }
}

// IAM's messages for malformed actions.
function validateAction(a: string): void {
  if (a === '*') return;
  const parts = a.split(':');
  if (parts.length < 2) fail('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.');
  if (parts.length > 2) fail('Actions/Condition can contain only one colon.');
  if (/[*?]/.test(parts[0])) fail('Action vendors must not contain wildcards.');
  if (!/^[a-z0-9-]+$/i.test(parts[0]) || !/^[A-Za-z0-9*?_-]+$/.test(parts[1])) fail();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
