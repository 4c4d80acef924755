import { hostname } from 'node:os';
import type { Store } from '../store/ports.js';
import { AdvisoryLeadership } from '../store/postgres/leadership.js';
import { PostgresChangeWatcher } from '../store/postgres/notifications.js';
import { withWriterChains } from '../store/postgres/pg-audit-chains.js';
import type { PostgresStore } from '../store/postgres/pg-store.js';

/** A node id names the node's audit chains: letters, digits and . _ : - only, at most 64. */
export const NODE_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The default node id: the host name (nodes sharing a host should each be given one). */
export const defaultNodeId = () => hostname().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 64) || 'node';

export interface PostgresNodeOptions {
  url: string;
  nodeId: string;
  log: (line: string) => void;
  /** How often followers try to take scheduler leadership (default 1000 ms). */
  leaderIntervalMs?: number;
}

/** What one node of a PostgreSQL cluster runs besides its pool. */
export interface PostgresNode {
  /** The store with this node's audit chains (records go to chains named by its node id). */
  store: Store;
  /** Cross-node invalidation for the read cache (LISTEN/NOTIFY plus the change counter). */
  changes: PostgresChangeWatcher;
  /** Whether this node runs the key schedule and signs digests now. */
  leadership: AdvisoryLeadership;
  nodeId: string;
  /** Stops the feed and gives up leadership (before the pool closes). */
  close(): Promise<void>;
}

/**
 * Turns an opened PostgreSQL store into one node of many: its audit appends go to its own chains,
 * its caches follow every other node's writes (notifications.ts) and it competes for scheduler
 * leadership (leadership.ts). Both extra connections are dedicated sessions, not pool members.
 */
export async function startPostgresNode(pg: PostgresStore, opts: PostgresNodeOptions): Promise<PostgresNode> {
  if (!NODE_ID.test(opts.nodeId)) throw new Error(`node id ${JSON.stringify(opts.nodeId)} must be 1–64 letters, digits, '.', '_', ':' or '-'`);
  const connection = { connectionString: opts.url, application_name: `locksmith ${opts.nodeId}` };
  const changes = new PostgresChangeWatcher({ connection, query: (sql) => pg.db.query<{ n: string | null }>(sql), log: opts.log });
  const leadership = new AdvisoryLeadership({ connection, intervalMs: opts.leaderIntervalMs, log: opts.log });
  await changes.start();
  try {
    await leadership.start();
  } catch (e) {
    await changes.close();
    throw e;
  }
  return {
    store: { ...pg, audit: withWriterChains(pg.audit, pg.db, opts.nodeId) },
    changes,
    leadership,
    nodeId: opts.nodeId,
    async close() {
      await leadership.close();
      await changes.close();
    },
  };
}
