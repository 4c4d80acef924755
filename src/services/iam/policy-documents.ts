import { parsePolicy, type CompiledPolicy } from '../../policy/index.js';
import { LimitExceeded, MalformedPolicyDocument } from '../../errors/aws-error.js';
import type { IamRole } from '../../store/iam-ports.js';
import type { Store } from '../../store/ports.js';
import { bindPolicyPrincipals, displayPolicyPrincipals, isEntityArn, isEntityId, uniqueIdOf, arnOfUniqueId } from '../principal-binding.js';

/**
 * Policy documents as IAM validates them (IAM User Guide, "IAM JSON policy element reference";
 * "IAM and AWS STS quotas": sizes count characters without white space).
 */

/** Characters IAM counts towards policy size quotas: everything but white space. */
export const policySize = (text: string): number => text.replace(/\s/g, '').length;

function asIamError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof Error && e.name === 'MalformedPolicyDocumentException') throw MalformedPolicyDocument(e.message);
    throw e;
  }
}

/** Identity and session policies: no Principal (IAM: "Policy document should not specify a principal."). */
export function parseIdentityPolicy(text: string): CompiledPolicy {
  return asIamError(() => parsePolicy(text, { principal: 'forbidden' }));
}

/**
 * A trust policy as the policy engine reads it. Trust policies name no Resource (the role is
 * the resource, IAM: "Has prohibited field Resource"); the engine wants one, so each statement
 * gets `"Resource": "*"`. Only STS actions may appear.
 */
export function engineTrustPolicy(text: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw MalformedPolicyDocument('This policy contains invalid Json');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw MalformedPolicyDocument('Syntax errors in policy.');
  const d = doc as Record<string, unknown>;
  const list = Array.isArray(d.Statement) ? d.Statement : d.Statement === undefined ? [] : [d.Statement];
  const statements = list.map((s: unknown) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw MalformedPolicyDocument('Syntax errors in policy.');
    const st = s as Record<string, unknown>;
    if (st.Resource !== undefined) throw MalformedPolicyDocument('Has prohibited field Resource');
    if (st.NotResource !== undefined) throw MalformedPolicyDocument('AssumeRole policy must not contain resources.');
    if (st.Effect === 'Allow' && st.NotPrincipal !== undefined) throw MalformedPolicyDocument('Allow with NotPrincipal is not allowed.');
    const actions = st.Action ?? st.NotAction;
    for (const a of Array.isArray(actions) ? actions : [actions]) {
      if (typeof a === 'string' && !/^sts:/i.test(a)) throw MalformedPolicyDocument('AssumeRole policy may only specify STS AssumeRole actions.');
    }
    return { ...st, Resource: '*' };
  });
  return JSON.stringify({ ...d, Statement: statements });
}

export function parseTrustPolicy(text: string): CompiledPolicy {
  const engineText = engineTrustPolicy(text);
  return asIamError(() => parsePolicy(engineText, { principal: 'required' }));
}

/**
 * Validates a trust policy, including that the IAM users and roles it names exist ("Invalid principal
 * in policy"), and returns it as IAM saves it: those principals bound to their unique ids (IAM User
 * Guide, "AWS JSON policy elements: Principal", IAM role and IAM user principals).
 */
export async function validateTrustPolicy(store: Store, text: string): Promise<string> {
  if (policySize(text) > 2048) throw LimitExceeded('Cannot exceed quota for ACLSizePerRole: 2048');
  const compiled = parseTrustPolicy(text);
  for (const s of compiled.statements) {
    const raw = s.principal?.raw;
    for (const value of raw && raw !== '*' ? (raw.AWS ?? []) : []) {
      const missing = isEntityArn(value) ? (await uniqueIdOf(store, value)) === undefined : isEntityId(value) && (await arnOfUniqueId(store, value)) === undefined;
      if (missing) throw MalformedPolicyDocument(`Invalid principal in policy: "AWS":"${value}"`);
    }
  }
  const bound = await bindPolicyPrincipals(store, text, compiled);
  if (bound === undefined) throw MalformedPolicyDocument('Invalid principal in policy'); // a principal deleted meanwhile
  return bound;
}

/** The role as GetRole and ListRoles show it: its trust policy with ARNs for principals that exist, ids for deleted ones. */
export async function roleForDisplay(store: Store, role: IamRole): Promise<IamRole> {
  const text = role.assumeRolePolicyDocument;
  let compiled;
  try {
    compiled = parseTrustPolicy(text);
  } catch {
    return role; // seeded trust policies are shown as written
  }
  return { ...role, assumeRolePolicyDocument: await displayPolicyPrincipals(store, text, compiled) };
}
