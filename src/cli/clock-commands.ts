import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { devClockFile } from '../server/dev-clock-listener.js';

const DEFAULT_DATA_DIR = process.env.LOCKSMITH_DATA_DIR ?? './.locksmith';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

/** `7d`, `12h`, `1y`, `90m`, `30s`, `500ms`, or several: `1d12h`. */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) {
    throw new Error(`invalid duration '${text}': e.g. 7d, 12h, 1y, 1d12h (units ms s m h d w y; y = 365 days)`);
  }
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
}

interface Control {
  endpoint: string;
  token: string;
}

function control(dataDir: string): Control {
  const file = devClockFile(dataDir);
  if (!existsSync(file)) {
    throw new Error(`refused: the clock can be moved only on a server started with \`locksmith serve --insecure-dev-clock\` (development only); none runs on data directory ${dataDir}`);
  }
  return JSON.parse(readFileSync(file, 'utf8')) as Control;
}

async function call(dataDir: string, path: string, body?: object): Promise<{ now: string; offsetMs: number; schedule?: Record<string, number> }> {
  const c = control(dataDir);
  let res: Response;
  try {
    res = await fetch(`${c.endpoint}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new Error(`no dev-clock server answers at ${c.endpoint} (is \`locksmith serve --insecure-dev-clock\` still running on ${dataDir}?)`);
  }
  const out = (await res.json()) as { error?: string; now: string; offsetMs: number; schedule?: Record<string, number> };
  if (!res.ok) throw new Error(out.error ?? `dev clock answered ${res.status}`);
  return out;
}

function print(r: { now: string; offsetMs: number; schedule?: Record<string, number> }, json: boolean): void {
  if (json) return console.log(JSON.stringify(r));
  const days = (r.offsetMs / 86_400_000).toFixed(2);
  console.log(`lifecycle clock: ${r.now} (real time + ${days} days)`);
  if (r.schedule) console.log(`key schedule ran: ${Object.entries(r.schedule).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}

/** `locksmith clock show | advance <duration> | set <time>` (development only). */
export function registerClockCommands(program: Command): void {
  const clock = program
    .command('clock')
    .description('move the key lifecycle clock of a server started with --insecure-dev-clock (development only)');
  const common = (c: Command) =>
    c.option('--data-dir <dir>', 'data directory of the running server (LOCKSMITH_DATA_DIR)', DEFAULT_DATA_DIR).option('--json', 'machine-readable output');
  common(clock.command('show').description('print the lifecycle clock')).action(async (o: { dataDir: string; json?: boolean }) => {
    print(await call(o.dataDir, '/clock'), o.json === true);
  });
  common(clock.command('advance <duration>').description('move the lifecycle clock forward (7d, 12h, 1y…) and run the key schedule'))
    .action(async (duration: string, o: { dataDir: string; json?: boolean }) => {
      print(await call(o.dataDir, '/clock/advance', { ms: parseDuration(duration) }), o.json === true);
    });
  common(clock.command('set <time>').description('set the lifecycle clock to an ISO 8601 time and run the key schedule'))
    .action(async (time: string, o: { dataDir: string; json?: boolean }) => {
      if (!Number.isFinite(Date.parse(time))) throw new Error(`invalid time '${time}': ISO 8601 expected, e.g. 2030-01-01T00:00:00Z`);
      print(await call(o.dataDir, '/clock/set', { at: time }), o.json === true);
    });
}
