import type { ChangeFeed } from './change-feed.js';
import type { Store } from './ports.js';

/**
 * What each method of a cached sub-store is, declared one by one: `cached` (a read every authorized
 * request makes, answered from memory), `read` (passes through) or `write` (forgets every cached
 * read, before and after it runs). Typed against the ports: a port method missing from the table,
 * or an entry the ports do not have, is a compile error here. Not grants' reads: a principal's grants on a key can be
 * tens of thousands of rows, rebuilt after every write; authorization asks the grant index
 * instead (grants.findByRule, a few probes).
 */
type Access = 'cached' | 'read' | 'write';
type MethodTable<S> = { readonly [M in keyof S]-?: Access };
type CachedStores = Pick<Store, 'keys' | 'aliases' | 'tags' | 'credentials' | 'iam' | 'sessions' | 'grants'>;

export const READ_CACHE_TABLE: { readonly [N in keyof CachedStores]: MethodTable<CachedStores[N]> } = {
  keys: {
    get: 'cached',
    getMaterial: 'cached',
    listMaterials: 'cached', // every call on a key with imported material checks their ValidTo
    regionsOf: 'cached',
    list: 'read',
    dueForRotation: 'read',
    dueForExpiry: 'read',
    dueForDeletion: 'read',
    create: 'write',
    update: 'write',
    apply: 'write',
    transact: 'write',
    destroy: 'write',
  },
  aliases: { get: 'cached', list: 'read', create: 'write', update: 'write', delete: 'write' },
  tags: { get: 'cached', put: 'write', remove: 'write' },
  credentials: {
    getAccessKey: 'cached',
    listAccounts: 'read',
    listAccessKeys: 'read',
    ensureAccount: 'write',
    putAccessKey: 'write',
    setAccessKeyStatus: 'write',
    deleteAccessKey: 'write',
  },
  iam: {
    identityPolicies: 'cached',
    getTags: 'cached',
    getPrincipalById: 'cached', // every request with session credentials checks that its user or role still exists
    getUser: 'read',
    listUsers: 'read',
    getRole: 'read',
    listRoles: 'read',
    getInlinePolicy: 'read',
    listInlinePolicies: 'read',
    getPolicy: 'read',
    getPolicyVersion: 'read',
    listPolicies: 'read',
    attachmentCount: 'read',
    listAttachedPolicies: 'read',
    createUser: 'write',
    deleteUser: 'write',
    createRole: 'write',
    deleteRole: 'write',
    updateAssumeRolePolicy: 'write',
    putInlinePolicy: 'write',
    deleteInlinePolicy: 'write',
    putTags: 'write',
    removeTags: 'write',
    createPolicy: 'write',
    deletePolicy: 'write',
    attachPolicy: 'write',
    detachPolicy: 'write',
  },
  sessions: { get: 'cached', put: 'write', purgeExpired: 'write' },
  grants: {
    get: 'read',
    findByName: 'read',
    getByToken: 'read',
    list: 'read',
    listRetirable: 'read',
    forGrantee: 'read',
    findByRule: 'read',
    create: 'write',
    addToken: 'write',
    delete: 'write',
  },
};

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
  // Two Maps per cached method: answers to a call with one string argument keyed by that string (no
  // key to build), the others by argKey; all of them forgotten together.
  const caches: Map<string, unknown>[] = [];
  let entries = 0;
  const forget = () => {
    for (const c of caches) c.clear();
    entries = 0;
  };
  // A read that overlapped a write may have seen either state: its answer is not kept.
  let generation = 0;
  let writing = 0;
  /** `cause`: the write (`sessions.purgeExpired`, …) when known; undefined when another process wrote. */
  const invalidate = (cause?: string) => {
    generation++;
    forget();
    onInvalidate(cause);
  };
  const wrapped: Record<string, unknown> = { ...store };
  for (const [name, methods] of Object.entries(READ_CACHE_TABLE) as [keyof CachedStores, Record<string, Access>][]) {
    const inner = store[name] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const outer: Record<string, unknown> = {};
    for (const [method, access] of Object.entries(methods)) {
      const call = inner[method]!.bind(inner);
      const id = `${name}.${method}`;
      if (access === 'cached') {
        const byString = new Map<string, unknown>();
        const byKey = new Map<string, unknown>();
        caches.push(byString, byKey);
        outer[method] = async (...args: unknown[]) => {
          const one = args.length === 1 && typeof args[0] === 'string';
          const cache = one ? byString : byKey;
          const key = one ? (args[0] as string) : args.length === 1 ? argKey(args[0]) : args.map(argKey).join('|');
          const hit = cache.get(key);
          if (hit !== undefined || cache.has(key)) return hit;
          const before = generation;
          const value = freeze(await call(...args));
          if (writing > 0 || generation !== before) return value;
          if (entries >= MAX_ENTRIES) forget();
          // Two overlapping misses of one key both store their answer: count what the Map gained.
          const size = cache.size;
          cache.set(key, value);
          entries += cache.size - size;
          return value;
        };
      } else if (access === 'read') {
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
  wrapped.cachedReads = () => entries;
  // Forgotten with the store.
  wrapped.close = async () => {
    invalidate('close');
    await store.close();
  };
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
