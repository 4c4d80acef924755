import { parsePolicy } from '../../policy/document.js';
import { MalformedPolicyDocumentException } from '../../errors/aws-error.js';
import type { Store } from '../../store/ports.js';
import { bindPolicyPrincipals, displayPolicyPrincipals } from '../principal-binding.js';

/** AWS's refusal of a key policy naming a principal that does not exist (CreateKey, PutKeyPolicy, ReplicateKey). */
export const INVALID_PRINCIPALS_MESSAGE = 'Policy contains a statement with one or more invalid principals.';

/**
 * A validated key policy as KMS saves it: IAM users and roles bound to their unique ids, so a
 * namesake created after a deletion is not matched (principal-binding.ts). A user or role that
 * does not exist is refused with MalformedPolicyDocumentException.
 */
export async function bindKeyPolicy(store: Store, text: string): Promise<string> {
  const bound = await bindPolicyPrincipals(store, text, parsePolicy(text, { principal: 'required' }));
  if (bound === undefined) throw MalformedPolicyDocumentException(INVALID_PRINCIPALS_MESSAGE);
  return bound;
}

/** The stored key policy as GetKeyPolicy shows it: ARNs for principals that exist, ids for deleted ones. */
export function displayKeyPolicy(store: Store, stored: string): Promise<string> {
  return displayPolicyPrincipals(store, stored, parsePolicy(stored, { principal: 'required' }));
}
