/**
 * What the KMS authorizer (src/services/kms/kms-authorizer.ts) would see for a request, rebuilt
 * from the store: the caller, the key (state, Region, policy), the caller's identity policies,
 * the grants it holds on the key, and the request's condition keys.
 */
import type { EncryptionContext } from '../../domain/encryption-context.js';
import type { Principal } from '../../domain/call-context.js';
import type { KmsKey } from '../../domain/key.js';
import type { NamedPolicyDocument } from '../../store/iam-ports.js';
import type { KmsGrant } from '../../store/grant-ports.js';
import type { Store } from '../../store/ports.js';
import type { S3Store } from '../../store/s3-ports.js';
import type { ContextValue } from '../../policy/types.js';
import { callerIdentityPolicies } from '../caller-policies.js';
import { callerGrantNames } from '../principal-binding.js';
import { kmsConditionKeys } from '../kms/condition-keys.js';
import { systemClock, type Clock } from '../../util/clock.js';
import { NotFoundException, ValidationException } from '../../errors/aws-error.js';
import { descriptorForPermission } from '../kms/operations.js';
import { secureRandom } from '../../crypto/random.js';

export interface ExplainRequest {
  principal: string;
  /** `kms:Decrypt` or `Decrypt`. */
  action: string;
  resource: string;
  encryptionContext?: EncryptionContext;
  viaService?: string;
  /** The Region the call is made in (default: the key ARN's). */
  region?: string;
  sessionPolicies?: string[];
  /** For S3 object actions: the SSE-KMS key S3 uses (key id, key ARN, alias name or alias ARN). */
  sseKmsKeyId?: string;
}

export interface ExplainDeps {
  store: Store;
  /** Bucket metadata, for S3 calls; without it only KMS calls are explained. */
  s3?: S3Store;
  /** The lifecycle clock (aws:CurrentTime); the system clock when absent. */
  clock?: Clock;
}

export interface Gathered {
  principal: Principal;
  operation: string;
  key?: KmsKey;
  keyRegion: string;
  keyAccount: string;
  callRegion: string;
  identityPolicies: NamedPolicyDocument[];
  grants: KmsGrant[];
  conditionKeys: Record<string, ContextValue | undefined>;
}

const KEY_ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/;

/** `clock`: the lifecycle clock (aws:CurrentTime); the system clock offline. */
export async function gather(store: Store, req: ExplainRequest, clock: Clock = systemClock): Promise<Gathered> {
  const operation = req.action.replace(/^kms:/i, '');
  const m = KEY_ARN.exec(req.resource);
  if (!m) throw ValidationException(`Resource must be a key ARN (arn:aws:kms:<region>:<account>:key/<id>), got '${req.resource}'`);
  const [, keyRegion, keyAccount, keyId] = m as unknown as [string, string, string, string];
  const callRegion = req.region ?? keyRegion;
  const key = await store.keys.get({ account: keyAccount, region: keyRegion, keyId });
  const principal = await resolvePrincipal(store, req.principal, req.sessionPolicies);
  const identityPolicies = await callerIdentityPolicies(store, principal);
  const grants = key ? await store.grants.forGrantee(key, callerGrantNames(principal)) : [];
  const ctx = {
    principal, account: principal.account, region: callRegion, sourceIp: '127.0.0.1', secureTransport: false,
    userAgent: 'locksmith-explain', viaService: req.viaService, requestId: 'explain', clock, random: secureRandom,
  };
  const conditionKeys = kmsConditionKeys(ctx, operation, {}, key, req.encryptionContext, descriptorForPermission(operation)?.algorithmConditionKey);
  if (key) {
    // Resource keys the authorizer adds when a policy reads them (aliases, tags): always here.
    const aliases = await store.aliases.list(key.account, key.region, 100, undefined, key.keyId);
    conditionKeys['kms:ResourceAliases'] = aliases.items.map((a) => a.aliasName);
    for (const [k, v] of Object.entries(await store.tags.get(key))) conditionKeys[`aws:ResourceTag/${k}`] = v;
  }
  return { principal, operation, key, keyRegion, keyAccount, callRegion, identityPolicies, grants, conditionKeys };
}

const PRINCIPAL_ARN = /^arn:aws:(iam|sts)::(\d{12}):(root|user\/(?:.*\/)?([^/]+)|role\/(?:.*\/)?([^/]+)|assumed-role\/([^/]+)\/([^/]+))$/;

/** A caller from its ARN: the account root, an IAM user, a role (as a session named `explain`) or a role session. */
export async function resolvePrincipal(store: Store, arn: string, sessionPolicies: string[] = []): Promise<Principal> {
  const m = PRINCIPAL_ARN.exec(arn);
  if (!m) throw ValidationException(`Principal must be an account root, IAM user, IAM role or assumed-role ARN, got '${arn}'`);
  const account = m[2]!;
  if (m[3] === 'root') return { arn, account, type: 'Root', userId: account, accessKeyId: '' };
  if (m[4] !== undefined) {
    const user = await store.iam.getUser(account, m[4]);
    if (!user) throw NotFoundException(`No IAM user ${m[4]} in account ${account}.`);
    const tags = await store.iam.getTags(account, 'user', user.userName);
    return { arn: user.arn, account, type: 'IAMUser', userName: user.userName, userId: user.userId, accessKeyId: '', tags };
  }
  const roleName = m[5] ?? m[6]!;
  const sessionName = m[7] ?? 'explain';
  const role = await store.iam.getRole(account, roleName);
  if (!role) throw NotFoundException(`No IAM role ${roleName} in account ${account}.`);
  const tags = await store.iam.getTags(account, 'role', roleName);
  return {
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`, account, type: 'AssumedRole', roleArn: role.arn, roleName,
    userId: `${role.roleId}:${sessionName}`, accessKeyId: '', tags,
    session: { issuerArn: role.arn, issuerName: roleName, sessionName, sessionPolicies, expiration: new Date(8.64e15) },
  };
}
