import type { Random } from '../crypto/random.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { Store } from '../store/ports.js';
import type { Clock } from '../util/clock.js';
import { ownedBy } from './seed-access-keys.js';
import { userArn } from '../services/iam/entities.js';
import { applyIdentities, rootOwner } from './seed-apply-iam.js';
import { applyKeys, holdsSeededMaterial } from './seed-apply-keys.js';
import { SeedConflictError, field, item, type SeedIssue } from './seed-reader.js';
import { emptySeedReport, tally, type SeedReport } from './seed-report.js';
import type { Seed, SeedAccessKey } from './seed-types.js';

export { formatSeedReport, seedChanges, type SeedCounts, type SeedReport } from './seed-report.js';

/**
 * Makes the store hold everything the seed declares, idempotently:
 * - what is missing is created (accounts, access keys, users, roles, inline policies, keys with
 *   their tags, aliases, grants);
 * - access key secrets, role trust policies and inline policy documents are set to the seed's;
 * - everything else that exists is left as it is, and nothing the seed does not name is touched
 *   (keys created through the API survive; a seeded key's material, policy, description and tags
 *   are never changed after it was created).
 * Contradictions that cannot be resolved without losing data (key material that differs from
 * the stored key's, an access key id owned by another principal) are found before anything is
 * written and reported together in a SeedConflictError.
 */
export async function applySeed(store: Store, keyring: RootKeyring, random: Random, clock: Clock, seed: Seed): Promise<SeedReport> {
  const conflicts = await findConflicts(store, keyring, seed);
  if (conflicts.length > 0) throw new SeedConflictError(conflicts);
  const report = emptySeedReport();
  const now = clock.now();
  const known = new Set(await store.credentials.listAccounts());
  for (const account of seed.accounts) {
    await store.credentials.ensureAccount(account.id, now);
    tally(report.accounts, known.has(account.id) ? 'unchanged' : 'created');
    await applyIdentities(store, keyring, random, now, account, report);
    await applyKeys(store, keyring, random, now, account, report);
  }
  return report;
}

async function findConflicts(store: Store, keyring: RootKeyring, seed: Seed): Promise<SeedIssue[]> {
  const issues: SeedIssue[] = [];
  const checkOwner = async (key: SeedAccessKey, path: string, owner: { account: string; type: 'Root' | 'IAMUser'; arn: string }) => {
    const existing = await store.credentials.getAccessKey(key.accessKeyId);
    if (existing && !ownedBy(existing, owner)) {
      issues.push({ path, message: `access key ${key.accessKeyId} already exists and belongs to ${existing.principalArn}, not ${owner.arn}` });
    }
  };
  for (const [i, account] of seed.accounts.entries()) {
    const at = item('accounts', i);
    for (const [j, key] of account.rootAccessKeys.entries()) {
      await checkOwner(key, field(item(field(at, 'rootAccessKeys'), j), 'accessKeyId'), rootOwner(account.id));
    }
    for (const [j, user] of account.users.entries()) {
      const stored = await store.iam.getUser(account.id, user.name);
      const arn = stored?.arn ?? userArn(account.id, user.path, user.name);
      for (const [k, key] of user.accessKeys.entries()) {
        const path = field(item(field(item(field(at, 'users'), j), 'accessKeys'), k), 'accessKeyId');
        await checkOwner(key, path, { account: account.id, type: 'IAMUser', arn });
      }
    }
    for (const [j, key] of account.keys.entries()) {
      if (!key.material) continue;
      const stored = await store.keys.get({ account: account.id, region: key.region, keyId: key.id });
      if (stored && !(await holdsSeededMaterial(store, keyring, stored, key.material))) {
        issues.push({
          path: field(item(field(at, 'keys'), j), 'material'),
          message: `key ${stored.arn} already exists with different key material; Locksmith never replaces key material (use a new key id, or remove material from this entry)`,
        });
      }
    }
  }
  return issues;
}
