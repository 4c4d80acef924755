/**
 * Several `locksmith serve` processes on one throwaway PostgreSQL cluster, as an operator runs
 * them: one database URL, one root key file, each node its own data directory, port and node id.
 * Nodes start one after the other (the first creates the default account; the others find it).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { startPostgres, type PostgresCluster } from '../../lib/postgres.js';
import type { Credentials } from './sign.js';
import { rootCredentials, spawnServer, type ServerProcess } from './server-process.js';

export interface PgNodes {
  cluster: PostgresCluster;
  url: string;
  rootKeyFile: string;
  nodes: ServerProcess[];
  credentials: Credentials;
  /** Starts node `i` (again, after it was stopped or killed) with the same data directory and id. */
  start(i: number): Promise<ServerProcess>;
  kms(i: number, credentials?: Credentials): KMSClient;
  close(): Promise<void>;
}

export async function startPgNodes(count: number, opts: { serveArgs?: string[] } = {}): Promise<PgNodes> {
  const root = mkdtempSync(join(tmpdir(), 'locksmith-pg-nodes-'));
  const cluster = await startPostgres();
  const url = await cluster.createDatabase();
  const rootKeyFile = join(root, 'root-key');
  writeFileSync(rootKeyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  const nodes: ServerProcess[] = [];
  const start = async (i: number) => {
    const dataDir = join(root, `node-${i}`);
    const node = await spawnServer(dataDir, {
      serveArgs: ['--database-url', url, '--node-id', `node-${i}`, '--tls-port', 'off', ...(opts.serveArgs ?? [])],
      env: { LOCKSMITH_ROOT_KEY_FILE: rootKeyFile },
    });
    nodes[i] = node;
    return node;
  };
  try {
    for (let i = 0; i < count; i++) await start(i);
  } catch (e) {
    for (const n of nodes) await n?.stop('SIGKILL');
    cluster.destroy();
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  const credentials = rootCredentials(nodes[0]!.dataDir);
  return {
    cluster,
    url,
    rootKeyFile,
    nodes,
    credentials,
    start,
    kms: (i, c = credentials) => new KMSClient({ endpoint: nodes[i]!.endpoint, region: 'us-east-1', credentials: c, maxAttempts: 1 }),
    async close() {
      for (const n of nodes) await n?.stop('SIGKILL').catch(() => {});
      cluster.destroy();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
