/**
 * `serve --workers N`: a node:cluster primary that forks N server processes sharing one port and
 * one data directory. Worker 0, the leader, starts first and sets the data directory up (root
 * key, default account, seed); the followers start once it listens. The leader alone runs the
 * key schedule and signs audit digests (for every worker's chains). Every worker caches reads and
 * forgets them when the store's change counter moved (src/store/read-cache.ts), so no two workers
 * disagree about a key's state. Every worker appends its audit records to its own hash chains from
 * its own writer thread (store/sqlite/audit-writer.ts) and answers a call once they are committed;
 * LookupEvents merges all chains in time order and `audit verify` checks each. A worker that dies
 * is replaced (its successor continues its chains); the primary stops followers first, then the leader.
 */
import cluster, { type Worker } from 'node:cluster';

export const WORKER_INDEX_ENV = 'LOCKSMITH_WORKER_INDEX';

/** In a worker process: its index (0 is the leader); undefined outside a cluster. */
export function workerIndex(): number | undefined {
  return cluster.isWorker ? Number(process.env[WORKER_INDEX_ENV]) : undefined;
}

export function runClusterPrimary(workers: number, _dataDir: string, log: (line: string) => void): void {
  cluster.setupPrimary({ serialization: 'advanced' });
  const running = new Map<number, Worker>();
  let stopping = false;
  let ready = false; // every worker listened once
  let listening = 0;

  const fork = (index: number): Worker => {
    const w = cluster.fork({ [WORKER_INDEX_ENV]: String(index) });
    running.set(index, w);
    let listened = false;
    w.once('listening', (address) => {
      listened = true;
      if (index === 0 && !ready) for (let i = 1; i < workers; i++) fork(i);
      if (++listening === workers && !ready) {
        ready = true;
        log(`Locksmith cluster: ${workers} workers serving on http://${address.address}:${address.port}`);
      }
    });
    w.once('exit', (code, signal) => {
      running.delete(index);
      if (stopping) return;
      if (listened) listening--;
      if (!ready) {
        log(`Locksmith worker ${index} exited (${signal ?? code}) before the cluster was ready; stopping.`);
        return void stop(1);
      }
      log(`Locksmith worker ${index} exited (${signal ?? code}); starting a new one.`);
      fork(index);
    });
    return w;
  };

  const exited = (w: Worker) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve())));
  async function stop(code = 0): Promise<void> {
    if (stopping) return;
    stopping = true;
    const followers = [...running.entries()].filter(([i]) => i !== 0).map(([, w]) => w);
    for (const w of followers) w.process.kill('SIGTERM');
    await Promise.all(followers.map(exited));
    const leader = running.get(0);
    if (leader) {
      leader.process.kill('SIGTERM');
      await exited(leader);
    }
    process.exit(code);
  }
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  fork(0);
}
