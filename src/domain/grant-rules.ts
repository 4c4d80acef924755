import { CONTEXT_GRANT_OPERATIONS } from '../model/kms-operation-facts.js';
/**
 * Grants as index rows, so that "does a grant allow this?" is a few index probes whatever the
 * number of grants (KMS Developer Guide, "Grants in AWS KMS": grant operations, grant
 * constraints). A grant gives one rule per operation it lists:
 *
 * - `any`            the operation with any encryption context (no constraint, or an operation
 *                    that takes no encryption context: constraints don't apply to it);
 * - `eq:<context>`   EncryptionContextEquals: exactly that context (the grant's Subset, when it
 *                    has both, must be part of it — otherwise the grant allows no context at all);
 * - `sub:<context>`  EncryptionContextSubset: any context that contains those pairs.
 *
 * A request then asks for the rules its own context satisfies: `any`, `eq:` of its context, and
 * `sub:` of each subset of its pairs. Contexts are canonical: pairs sorted by key, JSON-encoded.
 */

/**
 * Grant operations that take an encryption context: the only ones grant constraints apply to
 * (generated from the model; the descriptors of their operations declare grantConstraint).
 */
export const CONTEXT_OPERATIONS: ReadonlySet<string> = new Set(CONTEXT_GRANT_OPERATIONS);

/** Every grant operation (GrantOperation in the KMS model); a grant's operations as a bit mask. */
export const GRANT_OPERATIONS = [
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'Sign',
  'Verify', 'GetPublicKey', 'CreateGrant', 'RetireGrant', 'DescribeKey', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret',
] as const;

export function operationMask(operations: readonly string[]): number {
  let mask = 0;
  for (const op of operations) {
    const bit = (GRANT_OPERATIONS as readonly string[]).indexOf(op);
    if (bit >= 0) mask |= 1 << bit;
  }
  return mask;
}

/**
 * The pseudo-operation under which a grant that lists CreateGrant is indexed by its own
 * constraints (not by the operation's): the rows CreateGrant-under-a-grant looks parents up by.
 */
export const PARENT_ROW = '#parent';

/** Subset constraints hold at most 8 pairs (CreateGrant, "Constraints"). */
const MAX_CONSTRAINT_PAIRS = 8;
/** Up to this many subsets of a request's context are probed; larger contexts scan instead. */
export const MAX_SUBSET_PROBES = 512;

type Context = Record<string, string>;
export interface GrantShape {
  operations: readonly string[];
  constraints?: { EncryptionContextEquals?: Context; EncryptionContextSubset?: Context };
}

const sortedPairs = (c: Context): [string, string][] =>
  Object.entries(c).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
export const canonicalContext = (c: Context): string => JSON.stringify(sortedPairs(c));

const includesPairs = (outer: Context, inner: Context) =>
  Object.entries(inner).every(([k, v]) => Object.hasOwn(outer, k) && outer[k] === v);

/** The rule for the grant's constraints, or undefined when they admit no context at all. */
export function constraintRule(constraints: GrantShape['constraints']): string | undefined {
  const eq = constraints?.EncryptionContextEquals;
  const sub = constraints?.EncryptionContextSubset;
  if (eq) return sub && !includesPairs(eq, sub) ? undefined : `eq:${canonicalContext(eq)}`;
  if (sub) return `sub:${canonicalContext(sub)}`;
  return 'any';
}

/** The index rows of a grant: [operation, rule, operation mask]. */
export function grantRules(grant: GrantShape): [string, string, number][] {
  const rule = constraintRule(grant.constraints);
  const mask = operationMask(grant.operations);
  const rows: [string, string, number][] = [];
  for (const op of new Set(grant.operations)) {
    if (!CONTEXT_OPERATIONS.has(op)) rows.push([op, 'any', mask]);
    else if (rule !== undefined) rows.push([op, rule, mask]);
  }
  // A parent with contradictory constraints can still pass on its non-context operations.
  if (grant.operations.includes('CreateGrant')) rows.push([PARENT_ROW, rule ?? 'none', mask]);
  return rows;
}

/** Subsets of sorted pairs with at most `max` pairs, the empty one included, as canonical strings. */
function subsets(pairs: [string, string][], max: number): string[] {
  const out: string[] = [];
  const pick: [string, string][] = [];
  const walk = (from: number) => {
    out.push(JSON.stringify(pick));
    if (pick.length === max) return;
    for (let i = from; i < pairs.length; i++) {
      pick.push(pairs[i]!);
      walk(i + 1);
      pick.pop();
    }
  };
  walk(0);
  return out;
}

/** How many subsets of at most 8 pairs a context of `n` pairs has. */
function subsetCount(n: number): number {
  let total = 0;
  let c = 1;
  for (let k = 0; k <= Math.min(n, MAX_CONSTRAINT_PAIRS); k++) {
    total += c;
    c = (c * (n - k)) / (k + 1);
  }
  return total;
}

/**
 * The rules that allow an operation with this encryption context (absent counts as empty), and
 * whether `sub:` rules must be scanned instead because the context has too many subsets to probe.
 */
export function requestRules(operation: string, context: Context | undefined): { rules: string[]; scanSubsets: boolean } {
  if (!CONTEXT_OPERATIONS.has(operation)) return { rules: ['any'], scanSubsets: false };
  const pairs = sortedPairs(context ?? {});
  const rules = ['any', `eq:${JSON.stringify(pairs)}`];
  if (subsetCount(pairs.length) > MAX_SUBSET_PROBES) return { rules, scanSubsets: true };
  return { rules: [...rules, ...subsets(pairs, MAX_CONSTRAINT_PAIRS).map((s) => `sub:${s}`)], scanSubsets: false };
}

/** Whether a `sub:` rule admits the context (for the scan of large contexts). */
export function subsetRuleAdmits(rule: string, context: Context | undefined): boolean {
  const pairs = JSON.parse(rule.slice(4)) as [string, string][];
  const ctx = context ?? {};
  return pairs.every(([k, v]) => Object.hasOwn(ctx, k) && ctx[k] === v);
}

/**
 * The parent rules (constraint rules of a grant that lists CreateGrant) whose constraints are no
 * stricter than the child's: every context the child admits, they admit ("Granting CreateGrant
 * permission": the child's constraints must be equally or more restrictive). A child whose own
 * constraints admit nothing fits under any parent.
 */
export function parentRulesFor(child: GrantShape['constraints']): { rules: string[]; any: boolean } {
  const rule = constraintRule(child);
  if (rule === undefined) return { rules: [], any: true };
  // An unconstrained child fits only under an unconstrained parent (or an empty Subset).
  if (rule === 'any') return { rules: ['any', 'sub:[]'], any: false };
  const base = child!.EncryptionContextEquals ?? child!.EncryptionContextSubset!;
  const under = subsets(sortedPairs(base), MAX_CONSTRAINT_PAIRS).map((s) => `sub:${s}`);
  return { rules: rule.startsWith('eq:') ? ['any', rule, ...under] : ['any', ...under], any: false };
}
