/**
 * A throwaway PostgreSQL cluster for tests: initdb in a temporary directory, started on a free
 * port bound to 127.0.0.1 (fsync on, the server's default), stopped and removed on teardown.
 * Never a mock and never a skip: when PostgreSQL cannot be found or cannot start, `startPostgres`
 * throws and the test file fails.
 *
 * initdb and postgres refuse to run as root, so when the tests run as root the cluster runs as an
 * unprivileged user (`locksmith-test`, created with useradd when missing, else `nobody`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PostgresCluster {
  /** postgres://… of the cluster's `postgres` database (superuser, trust auth on 127.0.0.1). */
  url: string;
  port: number;
  /** Creates a fresh, empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown) without removing its files; `start` brings it back. */
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  /** Stops the server and removes its directory. */
  destroy(): void;
}

/** The directory holding initdb/pg_ctl: PATH first, then Debian's /usr/lib/postgresql/<v>/bin (newest). */
export function binDir(): string {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => existsSync(join(debian, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(debian, versions[0]!, 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status === 0 && found) return found.slice(0, found.lastIndexOf('/'));
  throw new Error('PostgreSQL not found: install the postgresql package (initdb/pg_ctl in /usr/lib/postgresql/*/bin or on PATH)');
}

/** The user the cluster runs as: the current one unless root, else an unprivileged one. */
function clusterUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = (name: string) => {
    const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    if (r.status !== 0) return undefined;
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    return { name, uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  };
  const existing = lookup('locksmith-test');
  if (existing) return existing;
  spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'locksmith-test'], { stdio: 'ignore' });
  const created = lookup('locksmith-test') ?? lookup('nobody');
  if (!created) throw new Error('running as root and no unprivileged user (locksmith-test or nobody) to run PostgreSQL as');
  return created;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface StartOptions {
  /**
   * Keep the cluster in this directory (created when missing) instead of a temporary one: a
   * cluster already there is started again with its databases, and `destroy` only stops it.
   * For benchmarks that reuse a bulk-loaded database between runs; tests never pass it.
   */
  dir?: string;
  /** Extra postgresql.conf lines for a new cluster (e.g. a larger shared_buffers for a bench). */
  settings?: string[];
}

/** Starts a fresh cluster (or the kept one in `dir`). Throws (fails the test) when PostgreSQL cannot start. */
export async function startPostgres(opts: StartOptions = {}): Promise<PostgresCluster> {
  const bin = binDir();
  const user = clusterUser();
  const kept = opts.dir !== undefined;
  if (kept) mkdirSync(opts.dir!, { recursive: true });
  const root = kept ? opts.dir! : mkdtempSync(join(tmpdir(), 'locksmith-pg-'));
  chmodSync(root, 0o755);
  const data = join(root, 'data');
  const log = join(root, 'server.log');
  if (user) chownSync(root, user.uid, user.gid);
  const existing = kept && existsSync(join(data, 'PG_VERSION'));
  const run = (cmd: string, args: string[]) => {
    const argv = user ? ['runuser', '-u', user.name, '--', join(bin, cmd), ...args] : [join(bin, cmd), ...args];
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: root, timeout: 120_000 });
    if (r.status !== 0) {
      let serverLog = '';
      try {
        serverLog = execFileSync('tail', ['-n', '30', log], { encoding: 'utf8' });
      } catch {
        /* no log yet */
      }
      throw new Error(`PostgreSQL ${cmd} failed (status ${r.status}): ${r.stderr || r.stdout}\n${serverLog}`);
    }
  };
  if (!existing) {
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-instructions']);
    // Bounded resources: tests start one cluster per file; fsync stays on (the default).
    writeFileSync(
      join(data, 'postgresql.auto.conf'),
      ['max_connections = 100', 'shared_buffers = 32MB', "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${root}'`, 'fsync = on',
        ...(opts.settings ?? []), ''].join('\n'),
    );
    if (user) chownSync(join(data, 'postgresql.auto.conf'), user.uid, user.gid);
  }

  let port = 0;
  const start = () => {
    run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', `-p ${port}`, 'start']);
  };
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    port = await freePort();
    try {
      start();
      lastError = undefined;
      break;
    } catch (e) {
      lastError = e; // the port may have been taken in between: try another one
    }
  }
  if (lastError) {
    if (!kept) rmSync(root, { recursive: true, force: true });
    throw lastError;
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let running = true;
  const cluster: PostgresCluster = {
    url,
    port,
    async createDatabase() {
      const name = `t_${randomBytes(6).toString('hex')}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop(mode = 'fast') {
      if (!running) return;
      run('pg_ctl', ['-D', data, '-w', '-t', '60', '-m', mode, 'stop']);
      running = false;
    },
    start() {
      if (running) return;
      start();
      running = true;
    },
    destroy() {
      try {
        if (running) run('pg_ctl', ['-D', data, '-w', '-t', '60', '-m', 'immediate', 'stop']);
      } finally {
        running = false;
        if (!kept) rmSync(root, { recursive: true, force: true });
      }
    },
  };
  return cluster;
}
