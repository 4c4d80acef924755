/**
 * Locksmith inside a test suite: `import { startLocksmith } from 'locksmith'`.
 *
 * One call starts a real Locksmith on a free 127.0.0.1 port with a temporary data directory,
 * optionally seeded from an object, and hands back what an AWS SDK client needs (endpoint, region,
 * credentials), the lifecycle clock to move key deletions, rotations and expiries, and close().
 * A thin layer over the server's own start-up (src/server/app.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedChanges } from './seed/apply-seed.js';
import type { SeedDocument } from './seed/seed-document.js';
import { validateSeed } from './seed/seed-schema.js';
import { startLocksmith as startServer } from './server/app.js';
import { ManualClock, systemClock } from './util/clock.js';

export type * from './seed/seed-document.js';
export { SeedError } from './seed/seed-schema.js';

export interface StartLocksmithOptions {
  /** Region for `region` and for seeded keys that name none. Default `us-east-1`. */
  region?: string;
  /** The account whose root credentials are returned. Default `000000000000`. */
  account?: string;
  /** Accounts, users, roles, keys, aliases and grants to create before the server answers. */
  seed?: SeedDocument;
  /** Where the lifecycle clock starts. Default: now. */
  now?: Date | number;
  /** Default 0: a free port. */
  port?: number;
  /** Default: a new temporary directory, removed by close(). A given directory is kept. */
  dataDir?: string;
  /** Start-up and scheduler messages. Default: none. */
  log?: (line: string) => void;
}

/**
 * The lifecycle clock: key deletion windows, automatic rotation, imported-material expiry and
 * session expiry follow it. SigV4 keeps using real time, so SDK clients need no adjustment.
 * `advance` and `set` run the key schedule at the new time before they resolve.
 */
export interface LocksmithClock {
  now(): Date;
  advance(ms: number): Promise<void>;
  set(at: Date | number): Promise<void>;
}

export interface SeedSummary {
  /** Objects created or changed to match the document. */
  changes: number;
  /** What the document asked for that was left as it was (e.g. an alias naming another key). */
  warnings: string[];
}

export interface Locksmith {
  /** `http://127.0.0.1:<port>`: the SDK's `endpoint`. */
  readonly endpoint: string;
  readonly region: string;
  readonly account: string;
  /** The account root's access key (the SDK's `credentials`). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly clock: LocksmithClock;
  /** Applies a seed document now, idempotently (what exists is left alone). */
  seed(document: SeedDocument): Promise<SeedSummary>;
  /** Runs key deletions, rotations and import expiries due at the clock's time; counts by task. */
  runKeySchedule(): Promise<Record<string, number>>;
  /** Stops the server and removes its temporary data directory. */
  close(): Promise<void>;
}

const DEFAULT_REGION = 'us-east-1';
const DEFAULT_ACCOUNT = '000000000000';

export async function startLocksmith(options: StartLocksmithOptions = {}): Promise<Locksmith> {
  const region = options.region ?? DEFAULT_REGION;
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'locksmith-'));
  const lifecycle = new ManualClock(options.now ?? Date.now());
  const validated = (doc: SeedDocument) => validateSeed({ ...doc, region: doc.region ?? region }, 'seed');
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      host: '127.0.0.1',
      port: options.port ?? 0,
      dataDir,
      defaultAccount: options.account ?? DEFAULT_ACCOUNT,
      defaultRegion: region,
      clock: lifecycle,
      requestClock: systemClock,
      seed: options.seed === undefined ? undefined : validated(options.seed),
      log: options.log ?? (() => {}),
    });
  } catch (e) {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const schedule = async () => {
    await server.runKeySchedule();
  };
  let closed: Promise<void> | undefined;
  return {
    endpoint: server.endpoint,
    region,
    account: server.account,
    credentials: { ...server.rootCredentials },
    clock: {
      now: () => lifecycle.now(),
      async advance(ms: number) {
        lifecycle.advance(ms);
        await schedule();
      },
      async set(at: Date | number) {
        lifecycle.set(at);
        await schedule();
      },
    },
    async seed(document: SeedDocument) {
      const report = await server.applySeed(validated(document));
      return { changes: seedChanges(report), warnings: report.warnings };
    },
    runKeySchedule: () => server.runKeySchedule(),
    close() {
      closed ??= server.close().finally(() => {
        if (ownDir) rmSync(dataDir, { recursive: true, force: true });
      });
      return closed;
    },
  };
}
