import { accountRootArn } from '../domain/arn.js';
import type { Random } from '../crypto/random.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { IdentityKind, IamRole, IamUser } from '../store/iam-ports.js';
import { createOnce } from './seed-create.js';
import type { Store } from '../store/ports.js';
import { upsertAccessKey, type AccessKeyOwner } from './seed-access-keys.js';
import { roleArn, uniqueId, userArn } from '../services/iam/entities.js';
import type { SeedAccount, SeedPolicy } from './seed-types.js';
import { tally, type SeedReport } from './seed-report.js';

export const rootOwner = (account: string): AccessKeyOwner => ({ account, type: 'Root', arn: accountRootArn(account), id: account });
export const userOwner = (user: IamUser): AccessKeyOwner => ({ account: user.account, type: 'IAMUser', arn: user.arn, id: user.userId });

/** Root access keys, users (with their access keys and inline policies) and roles of one account. */
export async function applyIdentities(
  store: Store,
  keyring: RootKeyring,
  random: Random,
  now: Date,
  account: SeedAccount,
  report: SeedReport,
): Promise<void> {
  for (const key of account.rootAccessKeys) {
    tally(report.accessKeys, await upsertAccessKey(store, keyring, rootOwner(account.id), key, now));
  }
  for (const seed of account.users) {
    let user = await store.iam.getUser(account.id, seed.name);
    if (user) tally(report.users, 'unchanged');
    else {
      const fresh: IamUser = {
        account: account.id,
        userName: seed.name,
        userId: uniqueId(random, 'AIDA'),
        arn: userArn(account.id, seed.path, seed.name),
        path: seed.path,
        createDate: now,
      };
      const found = async () => (user = await store.iam.getUser(account.id, seed.name)) !== undefined;
      tally(report.users, await createOnce(() => store.iam.createUser(fresh), found));
      user ??= fresh;
    }
    for (const key of seed.accessKeys) tally(report.accessKeys, await upsertAccessKey(store, keyring, userOwner(user), key, now));
    await applyPolicies(store, account.id, 'user', user.userName, seed.policies, report);
  }
  for (const seed of account.roles) {
    let role: IamRole | undefined = await store.iam.getRole(account.id, seed.name);
    if (!role) {
      const fresh: IamRole = {
        account: account.id,
        roleName: seed.name,
        roleId: uniqueId(random, 'AROA'),
        arn: roleArn(account.id, seed.path, seed.name),
        path: seed.path,
        assumeRolePolicyDocument: seed.trustPolicy,
        description: seed.description,
        maxSessionDuration: seed.maxSessionDuration,
        createDate: now,
      };
      const found = async () => (role = await store.iam.getRole(account.id, seed.name)) !== undefined;
      tally(report.roles, await createOnce(() => store.iam.createRole(fresh), found));
      role ??= fresh;
    } else if (role.assumeRolePolicyDocument !== seed.trustPolicy) {
      await store.iam.updateAssumeRolePolicy(account.id, role.roleName, seed.trustPolicy);
      tally(report.roles, 'updated');
    } else tally(report.roles, 'unchanged');
    await applyPolicies(store, account.id, 'role', role.roleName, seed.policies, report);
  }
}

/** Inline policies named in the seed are created or replaced; others the identity has are left alone. */
async function applyPolicies(store: Store, account: string, kind: IdentityKind, owner: string, policies: SeedPolicy[], report: SeedReport) {
  for (const policy of policies) {
    const stored = await store.iam.getInlinePolicy(account, kind, owner, policy.name);
    if (stored === policy.document) {
      tally(report.policies, 'unchanged');
      continue;
    }
    await store.iam.putInlinePolicy(account, kind, owner, { name: policy.name, document: policy.document });
    tally(report.policies, stored === undefined ? 'created' : 'updated');
  }
}
