/**
 * `locksmith serve` as its own process (as an operator runs it), on a free port with a temporary
 * or given data directory; its RSS is read from /proc/<pid>/status.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Credentials } from './sign.js';

const OUTPUT_KEPT = 65536;
export const CLI = join(import.meta.dirname, '../../../src/cli/main.ts');
/** The compiled server (`npm run build`), as `npm start` runs it. */
export const BUILT_CLI = join(import.meta.dirname, '../../../dist/cli/main.js');

export interface ServerProcess {
  proc: ChildProcess;
  pid: number;
  endpoint: string;
  dataDir: string;
  /** The last 64 KiB of the server's stdout and stderr. */
  output(): string;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Resident set size in KiB (VmRSS), of the process and its children (cluster workers). */
  rssKiB(): number;
}

export function spawnServer(
  dataDir: string,
  opts: { nodeArgs?: string[]; serveArgs?: string[]; env?: Record<string, string | undefined>; built?: boolean } = {},
): Promise<ServerProcess> {
  const env: Record<string, string | undefined> = { ...process.env, LOCKSMITH_ROOT_KEY_FILE: undefined, LOCKSMITH_SEED: undefined, ...(opts.env ?? {}) };
  const entry = opts.built ? [BUILT_CLI] : ['--import', 'tsx', CLI];
  // With --workers N the server is ready when the cluster primary says all N listen.
  const ready = opts.serveArgs?.includes('--workers') ? /Locksmith cluster: \d+ workers serving on (http:\/\/[\d.]+:\d+)/ : /listening on (http:\/\/[\d.]+:\d+)/;
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry, 'serve', '--port', '0', '--data-dir', dataDir, ...(opts.serveArgs ?? [])], {
    env: env as NodeJS.ProcessEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Kept as pieces and joined only when asked: under load the server writes a log line per request,
  // and re-slicing one 64 KiB string per chunk would cost the load generator in this process.
  const pieces: string[] = [];
  let kept = 0;
  const append = (d: Buffer) => {
    const piece = d.toString();
    pieces.push(piece);
    kept += piece.length;
    while (pieces.length > 1 && kept - pieces[0]!.length >= OUTPUT_KEPT) kept -= pieces.shift()!.length;
  };
  const out = () => pieces.join('').slice(-OUTPUT_KEPT);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  return new Promise((resolve, reject) => {
    let started = false;
    proc.stdout!.on('data', (d: Buffer) => {
      append(d);
      if (started) return;
      const m = ready.exec(out());
      if (!m) return;
      started = true;
      resolve({
        proc,
        pid: proc.pid!,
        endpoint: m[1]!,
        dataDir,
        output: out,
        exited,
        alive: () => !done,
        async stop(signal: NodeJS.Signals = 'SIGTERM') {
          if (done) return;
          // SIGKILL takes cluster workers down with the primary, as a crash of the machine would
          // (the primary first, so it cannot start replacements).
          const workers = signal === 'SIGKILL' ? childPids(proc.pid!) : [];
          proc.kill(signal);
          for (const pid of workers) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
          await exited;
        },
        rssKiB: () => [proc.pid!, ...childPids(proc.pid!)].reduce((sum, pid) => sum + readRssKiB(pid), 0),
      });
    });
    proc.stderr!.on('data', append);
    void exited.then(({ code, signal }) => {
      if (!started) reject(new Error(`server exited (${code ?? signal}) before listening: ${out()}`));
    });
  });
}

/**
 * The fields of /proc/<pid>/stat after "pid (comm)" — state, ppid, … utime (index 11), stime (12) —
 * or undefined once the process is gone. comm may hold spaces, so fields start after its last ')'.
 */
function procStat(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Processes whose parent is `parent` (a cluster primary's workers). */
export function childPids(parent: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(procStat(name)?.[1]) === parent)
    .map(Number);
}

/** User and system clock ticks (100 Hz) each thread of `pid` used so far, by thread id ('main' for the process's own). */
export function threadCpuTicks(pid: number): Map<string, { user: number; sys: number }> {
  const out = new Map<string, { user: number; sys: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const f = procStat(`${pid}/task/${tid}`); // undefined: the thread ended meanwhile
    if (f) out.set(tid === String(pid) ? 'main' : tid, { user: Number(f[11]), sys: Number(f[12]) });
  }
  return out;
}

/** CPU seconds (user + system, all threads) a process and its children (cluster workers) used so far. */
export function processTreeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of [pid, ...childPids(pid)]) {
    const f = procStat(p);
    if (f) ticks += Number(f[11]) + Number(f[12]); // clock ticks, 100 Hz on Linux
  }
  return ticks / 100;
}

export function readRssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]);
}

/** The root access key `locksmith serve` wrote into the generated AWS profile on first start. */
export function rootCredentials(dataDir: string): Credentials {
  const text = readFileSync(join(dataDir, 'aws-credentials'), 'utf8');
  return {
    accessKeyId: /aws_access_key_id = (\S+)/.exec(text)![1]!,
    secretAccessKey: /aws_secret_access_key = (\S+)/.exec(text)![1]!,
  };
}
