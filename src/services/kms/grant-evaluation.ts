/**
 * What a grant allows (KMS Developer Guide, "Grants in AWS KMS": grant operations, grant
 * constraints; "Granting CreateGrant permission"). Pure functions: no store, no clock.
 */
import type { GrantConstraints, KmsGrant } from '../../store/grant-ports.js';

import { CONTEXT_OPERATIONS } from '../../domain/grant-rules.js';

export { CONTEXT_OPERATIONS };

type Context = Record<string, string>;

const pairsOf = (c: Context) => Object.entries(c);
const has = (c: Context, k: string) => Object.prototype.hasOwnProperty.call(c, k);

/** Every pair of `inner` is in `outer` (exact, case-sensitive keys and values). */
function includesPairs(outer: Context, inner: Context): boolean {
  return pairsOf(inner).every(([k, v]) => has(outer, k) && outer[k] === v);
}

const sameContext = (a: Context, b: Context) =>
  pairsOf(a).length === pairsOf(b).length && includesPairs(a, b);

/**
 * Whether a request's encryption context satisfies the grant's constraints: EncryptionContextEquals
 * needs exactly its pairs, EncryptionContextSubset at least its pairs; both, when both are set.
 * An absent context counts as empty.
 */
export function contextSatisfies(constraints: GrantConstraints | undefined, context: Context | undefined): boolean {
  const ctx = context ?? {};
  const eq = constraints?.EncryptionContextEquals;
  const sub = constraints?.EncryptionContextSubset;
  if (eq && !sameContext(ctx, eq)) return false;
  if (sub && !includesPairs(ctx, sub)) return false;
  return true;
}

/**
 * The first grant that allows `operation` (a grant operation name: ReEncrypt is checked as
 * ReEncryptFrom and ReEncryptTo) with this encryption context, or undefined. A grant allows only
 * the operations it lists; constraints apply only to operations that take an encryption context
 * (they don't apply to DescribeKey, RetireGrant or CreateGrant).
 */
export function grantAllows(grants: KmsGrant[], operation: string, encryptionContext: Context | undefined): KmsGrant | undefined {
  return grants.find(
    (g) =>
      g.operations.includes(operation) &&
      (!CONTEXT_OPERATIONS.has(operation) || contextSatisfies(g.constraints, encryptionContext)),
  );
}

const hasConstraint = (c: GrantConstraints | undefined) =>
  c?.EncryptionContextEquals !== undefined || c?.EncryptionContextSubset !== undefined;

/**
 * Whether every encryption context the child constraints admit is admitted by the parent's
 * ("the grant constraints in child grants must be equally restrictive or more restrictive").
 */
export function constraintsWithin(child: GrantConstraints | undefined, parent: GrantConstraints | undefined): boolean {
  if (!hasConstraint(parent)) return true;
  const eq = child?.EncryptionContextEquals;
  const sub = child?.EncryptionContextSubset;
  if (eq) {
    // The child admits at most the one context `eq` (none if its own Subset contradicts it).
    return (sub !== undefined && !includesPairs(eq, sub)) || contextSatisfies(parent, eq);
  }
  // The child admits every superset of `sub` (or everything): only a Subset parent can contain that.
  if (parent?.EncryptionContextEquals) return false;
  return includesPairs(sub ?? {}, parent!.EncryptionContextSubset!);
}

/**
 * A grant created with CreateGrant permission that came from `parent` may allow only some or
 * all of the parent's operations, with constraints at least as strict (KMS Developer Guide,
 * "Granting CreateGrant permission").
 */
export function childGrantWithinParent(parent: KmsGrant, operations: string[], constraints: GrantConstraints | undefined): boolean {
  return operations.every((op) => parent.operations.includes(op)) && constraintsWithin(constraints, parent.constraints);
}
