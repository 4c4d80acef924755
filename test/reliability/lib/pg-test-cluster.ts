/**
 * A throwaway PostgreSQL cluster for a test: initdb in a temporary directory as the unprivileged
 * `nobody` (initdb and postgres refuse root), its own free port on 127.0.0.1, a Unix socket in the
 * same directory. Never a mock, never skipped: when PostgreSQL cannot start, the test fails.
 * Used by the cluster tests until the adapter's own helper (test/lib/postgres.ts) is merged.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPostgres {
  url: string;
  port: number;
  dataDir: string;
  /** pg_ctl stop -m fast (clients see their connections end). */
  stop(): void;
  /** pg_ctl start on the same port, waiting until it accepts connections. */
  start(): void;
  /** Stops the server and removes its directory. */
  destroy(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const isRoot = () => process.getuid?.() === 0;
/** Runs a PostgreSQL tool as `nobody` when this process is root. */
function pgTool(tool: string, args: string[]): void {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'nobody', '--', tool, ...args]] : [tool, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr}${r.stdout}`);
}

export async function startTestPostgres(settings: Record<string, string> = {}): Promise<TestPostgres> {
  const root = mkdtempSync(join(tmpdir(), 'locksmith-pg-'));
  const dataDir = join(root, 'data');
  if (isRoot()) chownSync(root, Number(execFileSync('id', ['-u', 'nobody']).toString()), Number(execFileSync('id', ['-g', 'nobody']).toString()));
  pgTool('initdb', ['-D', dataDir, '-U', 'locksmith', '-A', 'trust', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const port = await freePort();
  const options = Object.entries({ listen_addresses: '127.0.0.1', port: String(port), unix_socket_directories: root, max_connections: '200', ...settings })
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  const start = () => pgTool('pg_ctl', ['-D', dataDir, '-o', options, '-l', join(root, 'log'), '-w', '-t', '60', 'start']);
  const stop = () => pgTool('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
  start();
  pgTool('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'locksmith', 'locksmith']);
  let stopped = false;
  return {
    url: `postgres://locksmith@127.0.0.1:${port}/locksmith`,
    port,
    dataDir,
    stop: () => (stop(), (stopped = true)) && undefined,
    start: () => (start(), (stopped = false)) && undefined,
    destroy() {
      if (!stopped) {
        try {
          stop();
        } catch {
          // already down
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
