/**
 * Runs `locksmith encrypt` / `locksmith decrypt` as their own processes (as a user runs them),
 * with an environment holding only the given AWS settings (no ~/.aws, no instance metadata), and
 * records the process's peak RSS (VmHWM from /proc/<pid>/status, polled while it runs).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CLI } from './server-process.js';

export interface CliResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  /** Highest VmHWM read while the process ran, in KiB (a lower bound of its peak RSS). */
  peakRssKiB: number;
}

export interface AwsEnv {
  accessKeyId?: string;
  secretAccessKey?: string;
  region?: string;
  /** Sets AWS_ENDPOINT_URL_KMS. */
  endpoint?: string;
  extra?: Record<string, string>;
}

/** The process environment without any AWS_ or LOCKSMITH_ variable, plus the given settings. */
export function awsEnv(a: AwsEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_') && !k.startsWith('LOCKSMITH_')) env[k] = v;
  Object.assign(env, {
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  if (a.accessKeyId) env.AWS_ACCESS_KEY_ID = a.accessKeyId;
  if (a.secretAccessKey) env.AWS_SECRET_ACCESS_KEY = a.secretAccessKey;
  if (a.region) env.AWS_REGION = a.region;
  if (a.endpoint) env.AWS_ENDPOINT_URL_KMS = a.endpoint;
  return Object.assign(env, a.extra ?? {});
}

function vmHwmKiB(pid: number): number {
  try {
    return Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Spawns the CLI (asynchronously: the server under test may live in this process). */
export function runLocksmith(args: string[], env: NodeJS.ProcessEnv, opts: { stdin?: Buffer; wrap?: (argv: string[]) => string[] } = {}): Promise<CliResult> {
  const argv = [process.execPath, '--import', 'tsx', CLI, ...args];
  const full = opts.wrap ? opts.wrap(argv) : argv;
  const proc = spawn(full[0]!, full.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  proc.stdout.on('data', (d: Buffer) => out.push(d));
  proc.stderr.on('data', (d: Buffer) => err.push(d));
  proc.stdin.on('error', () => {});
  proc.stdin.end(opts.stdin ?? Buffer.alloc(0));
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, vmHwmKiB(proc.pid!))), 25);
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearInterval(poll);
      resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), peakRssKiB: peak });
    });
  });
}
