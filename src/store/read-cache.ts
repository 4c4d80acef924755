import type { ChangeFeed } from './change-feed.js';
import type { Store } from './ports.js';

/** The sub-stores whose reads are cached; the audit store is append-only and passes through. */
const CACHED_STORES = ['keys', 'aliases', 'tags', 'credentials', 'iam', 'sessions', 'grants'] as const;

/** Methods that only read; every other method of a cached sub-store is a write and invalidates. */
const READ = /^(get|list|find|due|for|regionsOf|identityPolicies|attachmentCount)/;
/** Reads worth caching: the ones every authorized request makes. Other reads pass through. */
const HOT_READS = new Set([
  'keys.get',
  'keys.getMaterial',
  'keys.listMaterials', // every call on a key with imported material checks their ValidTo
  'keys.regionsOf',
  'aliases.get',
  'tags.get',
  'credentials.getAccessKey',
  'iam.identityPolicies',
  'iam.getTags',
  'iam.getPrincipalById', // every request with session credentials checks that its user or role still exists
  'sessions.get',
  // Not grants: a principal's grants on a key can be tens of thousands of rows, rebuilt after
  // every write; authorization asks the grant index instead (grants.findByRule, a few probes).
]);

const MAX_ENTRIES = 50_000;

/** A cheap cache key for one argument: a key reference (or a whole KmsKey) by its identity only. */
function argKey(arg: unknown): string {
  if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
    const r = arg as { account?: unknown; region?: unknown; keyId?: unknown };
    if (typeof r.account === 'string' && typeof r.region === 'string' && typeof r.keyId === 'string') return `${r.account}/${r.region}/${r.keyId}`;
  }
  return JSON.stringify(arg);
}

function freeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Date || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) freeze(v);
  return Object.freeze(value);
}

/**
 * A store that remembers the answers of the per-request reads (access key, KMS key, wrapped
 * material, alias, tags, grants for the caller, IAM policies) and forgets all of them on any
 * write through it, before the write's promise settles — so no request that starts after a
 * write completes can see the state before it. Values are frozen: callers derive new objects
 * instead of changing cached ones. When other processes write the same store (`otherWriters`:
 * cluster workers sharing the data directory), the store gets `revalidate`, which compares the
 * store's change counter and forgets everything when it moved; a lone process needs no such
 * read per request. With a `changes` feed (other nodes on a shared PostgreSQL), the caches are
 * emptied on each change it reports and `revalidate` is its `sync`. `onInvalidate` lets the
 * holder of derived caches (unwrapped secrets) forget them at the same moment.
 */
export function withReadCache(store: Store, onInvalidate: (cause?: string) => void = () => {}, { otherWriters = false, changes }: { otherWriters?: boolean; changes?: ChangeFeed } = {}): Store {
  const cache = new Map<string, unknown>();
  // A read that overlapped a write may have seen either state: its answer is not kept.
  let generation = 0;
  let writing = 0;
  /** `cause`: the write (`sessions.purgeExpired`, …) when known; undefined when another process wrote. */
  const invalidate = (cause?: string) => {
    generation++;
    cache.clear();
    onInvalidate(cause);
  };
  const wrapped: Record<string, unknown> = { ...store };
  for (const name of CACHED_STORES) {
    const inner = store[name] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const outer: Record<string, unknown> = {};
    for (const method of Object.keys(inner)) {
      const call = inner[method]!.bind(inner);
      const id = `${name}.${method}`;
      if (HOT_READS.has(id)) {
        outer[method] = async (...args: unknown[]) => {
          const key = `${id}:${args.map(argKey).join('|')}`;
          if (cache.has(key)) return cache.get(key);
          const before = generation;
          const value = freeze(await call(...args));
          if (writing > 0 || generation !== before) return value;
          if (cache.size >= MAX_ENTRIES) cache.clear();
          cache.set(key, value);
          return value;
        };
      } else if (READ.test(method)) {
        outer[method] = call;
      } else {
        outer[method] = async (...args: unknown[]) => {
          writing++;
          invalidate(id);
          try {
            return await call(...args);
          } finally {
            writing--;
            invalidate(id);
          }
        };
      }
    }
    wrapped[name] = outer;
  }
  if (changes) {
    changes.onChange(invalidate);
    wrapped.revalidate = () => changes.sync();
  } else if (otherWriters) {
    let seenChanges: number | undefined;
    wrapped.revalidate = async () => {
      const n = await store.changeCount();
      if (n !== seenChanges) invalidate();
      seenChanges = n;
    };
  }
  return wrapped as unknown as Store;
}
