import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { devClockFile } from '../server/dev-clock-listener.js';

const DEFAULT_DATA_DIR = process.env.LOCKSMITH_DATA_DIR ?? './.locksmith';

export { parseDuration } from '../util/duration.js';
import { parseDuration } from '../util/duration.js';

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
