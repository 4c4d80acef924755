import type { CompiledPolicy } from '../policy/document.js';
import { awsPrincipalValues, replacePrincipalValues } from '../policy/principal-values.js';
import type { Store } from '../store/ports.js';
import type { Principal } from '../domain/call-context.js';

/**
 * Principals bound to their unique ids (IAM User Guide, "AWS JSON policy elements: Principal":
 * an ARN naming a specific IAM user or role "transforms to the … unique principal ID when you save
 * the policy … if you delete the user, then you break the relationship … even if you recreate the
 * user"). Key policies, role trust policies and grants store the id; reads show the principal's
 * current ARN, or the id once it is gone. The user-name part of the ARN is case-sensitive (same
 * page, "IAM user principals"), while names are unique regardless of case: the ARN must equal the
 * stored one exactly, path included.
 */

const ENTITY_ARN = /^arn:aws:iam::(\d{12}):(user|role)(\/(?:[^/]+\/)*)([^/]+)$/;
/** Unique ids of users (AIDA…) and roles (AROA…) (IAM User Guide, "Unique identifiers"). */
const ENTITY_ID = /^A(?:IDA|ROA)[A-Z0-9]{12,124}$/;

export const isEntityArn = (value: string) => ENTITY_ARN.test(value);
export const isEntityId = (value: string) => ENTITY_ID.test(value);

/** The unique id of the IAM user or role whose ARN is exactly `arn`; undefined when there is none. */
export async function uniqueIdOf(store: Store, arn: string): Promise<string | undefined> {
  const m = ENTITY_ARN.exec(arn);
  if (!m) return undefined;
  const [, account, kind, , name] = m;
  if (kind === 'user') {
    const user = await store.iam.getUser(account, name);
    return user?.arn === arn ? user.userId : undefined;
  }
  const role = await store.iam.getRole(account, name);
  return role?.arn === arn ? role.roleId : undefined;
}

/** The current ARN of the user or role with this unique id; undefined once deleted. */
export async function arnOfUniqueId(store: Store, id: string): Promise<string | undefined> {
  return (await store.iam.getPrincipalById(id))?.arn;
}

/**
 * Binds a policy's user and role ARNs to unique ids (`keepMissing`: the seed file's keys, which may
 * name principals seeded later; those stay ARNs and match by name). Returns the text to store, or undefined when
 * a named user or role does not exist — or an id names one that is gone (AWS refuses such policies:
 * "Policy contains a statement with one or more invalid principals", AWS re:Post knowledge center
 * "kms-policy-error-invalid-principals"). Account, session, federated and service principals are
 * kept as written.
 */
export async function bindPolicyPrincipals(
  store: Store, text: string, compiled: CompiledPolicy, { keepMissing = false } = {},
): Promise<string | undefined> {
  const map = new Map<string, string>();
  for (const value of awsPrincipalValues(compiled)) {
    if (keepMissing && !isEntityArn(value)) continue;
    if (isEntityArn(value)) {
      const id = await uniqueIdOf(store, value);
      if (id !== undefined) map.set(value, id);
      else if (!keepMissing) return undefined;
    } else if (isEntityId(value) && (await arnOfUniqueId(store, value)) === undefined) return undefined;
  }
  return replacePrincipalValues(text, map);
}

/** A stored policy as reads show it: each bound id back to its principal's ARN while it exists. */
export async function displayPolicyPrincipals(store: Store, text: string, compiled: CompiledPolicy): Promise<string> {
  const map = new Map<string, string>();
  for (const value of awsPrincipalValues(compiled)) {
    if (!isEntityId(value)) continue;
    const arn = await arnOfUniqueId(store, value);
    if (arn !== undefined) map.set(value, arn);
  }
  return replacePrincipalValues(text, map);
}

/** A grant's grantee or retiring principal as stored: users and roles by unique id, undefined when absent. */
export async function bindGrantPrincipal(store: Store, arn: string): Promise<string | undefined> {
  return isEntityArn(arn) ? uniqueIdOf(store, arn) : arn;
}

/** A stored grant principal as ListGrants shows it. */
export async function displayGrantPrincipal(store: Store, stored: string): Promise<string> {
  return isEntityId(stored) ? ((await arnOfUniqueId(store, stored)) ?? stored) : stored;
}

/**
 * Every name a stored grant principal may have for this caller: its ARN (and role ARN: grants to a
 * role apply to its sessions), and its user or role unique id (bound grants). A federated user's
 * and the root's ids are not IAM ids and bind nothing.
 */
export function callerGrantNames(p: Principal): string[] {
  const names = [p.arn];
  if (p.roleArn) names.push(p.roleArn);
  if (p.type === 'IAMUser' && p.userId && isEntityId(p.userId)) names.push(p.userId);
  if (p.type === 'AssumedRole' && p.userId) {
    const roleId = p.userId.split(':')[0];
    if (isEntityId(roleId)) names.push(roleId);
  }
  return names;
}
