import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { localObjectFiles } from '../store/object-files.js';
import type { Store } from '../store/ports.js';
import { openPostgresStore, isPostgresUrl } from '../store/postgres/pg-store.js';
import type { PgPoolOptions } from '../store/postgres/pool.js';
import { withReadCache } from '../store/read-cache.js';
import type { ObjectFiles, S3Store } from '../store/s3-ports.js';
import { withAuditWriter } from '../store/sqlite/audit-writer.js';
import { openSqliteS3Store } from '../store/sqlite/sqlite-s3.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { startWalCheckpointer } from '../store/sqlite/wal-checkpointer.js';
import { defaultNodeId, startPostgresNode, type PostgresNode } from './postgres-node.js';

/** The audit chains' writer of a `serve --workers` process (sqlite-audit.ts): '' for a single process and worker 0. */
export const auditWriterId = (worker: number | undefined): string => (worker ? `worker-${worker}` : '');

/** The SQLite database in a data directory. */
export const databasePath = (dataDir: string) => join(dataDir, 'locksmith.db');

export interface NodeStoreOptions {
  dataDir: string;
  /** postgres://… : state in PostgreSQL, shared with every node pointed at it. Absent: SQLite in the data directory. */
  databaseUrl?: string;
  /** PostgreSQL pool size and acquisition timeout (pool.ts defaults when absent). */
  databasePool?: PgPoolOptions;
  /** Where S3 object bytes live (a directory every node can reach, e.g. NFS, with PostgreSQL); default `<dataDir>/objects`. */
  objectDir?: string;
  /** This process is one of `serve --workers` (SQLite only). */
  clustered: boolean;
  /** Its index among them: worker 0 appends to the chains of writer '' (as a single process does), worker i to `worker-i`'s. */
  worker?: number;
  /** Called whenever cached reads are forgotten (the holder of unwrapped secrets forgets them too). */
  onInvalidate: (cause?: string) => void;
  /** With PostgreSQL: this node's id, naming its audit chains (default: the host name). */
  nodeId?: string;
  log?: (line: string) => void;
}

export interface NodeStores {
  /** The store, its per-request reads cached. */
  store: Store;
  s3Store: S3Store;
  objectFiles: ObjectFiles;
  /** Other processes write the same state (cluster workers, or other nodes on PostgreSQL). */
  otherWriters: boolean;
  /** With PostgreSQL: the node's change feed and scheduler leadership. */
  node?: PostgresNode;
}

/**
 * The composition root's choice of store. SQLite (default): the file in the data directory,
 * audit appends on a writer thread. PostgreSQL: one pool per node; every node may write, so
 * cached reads follow every node's writes (postgres-node.ts): within 50 ms, checked per request.
 */
export async function openNodeStores(o: NodeStoreOptions): Promise<NodeStores> {
  // The data directory holds the AWS profile files, TLS material and (by default) object bytes, whichever the store.
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const objectFiles = localObjectFiles(o.objectDir ?? join(o.dataDir, 'objects'));
  if (o.databaseUrl !== undefined) {
    if (!isPostgresUrl(o.databaseUrl)) throw new Error('the database URL must start with postgres:// or postgresql://');
    const pg = await openPostgresStore(o.databaseUrl, o.databasePool);
    // Caches follow other nodes' writes by LISTEN/NOTIFY and the change counter (notifications.ts).
    const node = await startPostgresNode(pg, { url: o.databaseUrl, nodeId: o.nodeId ?? defaultNodeId(), log: o.log ?? (() => {}) }).catch(async (e: unknown) => {
      await pg.close();
      throw e;
    });
    const close = async () => {
      await node.close();
      await pg.close();
    };
    return { store: withReadCache({ ...node.store, close }, o.onInvalidate, { changes: node.changes }), s3Store: pg.s3, objectFiles, otherWriters: true, node };
  }
  const path = databasePath(o.dataDir);
  // Audit appends commit on a writer thread, so their fsync does not stall the event loop; in a
  // cluster, each worker's thread appends to its own chains (no record crosses processes).
  // No commit of this process checkpoints the WAL: a thread of its own does, beside them.
  const background = { backgroundCheckpoints: true };
  const sqlite = openSqliteStore(path, background);
  const audited = await withAuditWriter(sqlite, path, auditWriterId(o.worker), background);
  const checkpointer = await startWalCheckpointer(path, { log: o.log }).catch(async (e: unknown) => {
    await audited.close();
    throw e;
  });
  const close = async () => {
    await audited.close();
    await checkpointer.close();
  };
  // S3 metadata on its own connection to the same file.
  return { store: withReadCache({ ...audited, close }, o.onInvalidate, { otherWriters: o.clustered }), s3Store: openSqliteS3Store(path, background), objectFiles, otherWriters: o.clustered };
}
