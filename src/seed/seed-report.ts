/** What applying a seed did, per kind of object. */
export interface SeedCounts {
  created: number;
  /** Changed to match the seed (access key secrets, trust policies, inline policy documents). */
  updated: number;
  unchanged: number;
}

export interface SeedReport {
  accounts: SeedCounts;
  accessKeys: SeedCounts;
  users: SeedCounts;
  roles: SeedCounts;
  /** Inline policies of users and roles. */
  policies: SeedCounts;
  keys: SeedCounts;
  aliases: SeedCounts;
  grants: SeedCounts;
  /** Things the seed asked for that were left as they were (e.g. an alias pointing at another key). */
  warnings: string[];
}

export type SeedOutcome = keyof SeedCounts;

const KINDS = ['accounts', 'accessKeys', 'users', 'roles', 'policies', 'keys', 'aliases', 'grants'] as const;
const LABELS: Record<(typeof KINDS)[number], string> = {
  accounts: 'accounts',
  accessKeys: 'access keys',
  users: 'users',
  roles: 'roles',
  policies: 'inline policies',
  keys: 'KMS keys',
  aliases: 'aliases',
  grants: 'grants',
};

export function emptySeedReport(): SeedReport {
  const counts = () => ({ created: 0, updated: 0, unchanged: 0 });
  return {
    accounts: counts(),
    accessKeys: counts(),
    users: counts(),
    roles: counts(),
    policies: counts(),
    keys: counts(),
    aliases: counts(),
    grants: counts(),
    warnings: [],
  };
}

export function tally(counts: SeedCounts, outcome: SeedOutcome): void {
  counts[outcome]++;
}

/** Total objects created or updated: 0 means the store already matched the seed. */
export const seedChanges = (r: SeedReport) => KINDS.reduce((n, k) => n + r[k].created + r[k].updated, 0);

/** One log line, e.g. `Seed applied: accounts 2 (1 created, 1 unchanged); KMS keys 3 (3 created)`. */
export function formatSeedReport(r: SeedReport): string {
  const parts = KINDS.filter((k) => r[k].created + r[k].updated + r[k].unchanged > 0).map((k) => {
    const c = r[k];
    const detail = (['created', 'updated', 'unchanged'] as const).filter((o) => c[o] > 0).map((o) => `${c[o]} ${o}`);
    return `${LABELS[k]} ${c.created + c.updated + c.unchanged} (${detail.join(', ')})`;
  });
  return `Seed applied: ${parts.length > 0 ? parts.join('; ') : 'nothing to seed'}`;
}
