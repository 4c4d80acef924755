/** Helpers for the audit-trail tests: the records as stored, read straight from the SQLite file. */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import Database from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REGION, type Credentials, type Harness } from './harness.js';
import { knownTestDatabaseUrl, queryTestDatabase } from '../lib/test-store.js';

export const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
const run = promisify(execFile);

/** A CloudTrail record as stored (CloudTrail's field names). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Rec = Record<string, any>;

export interface StoredRow {
  account: string;
  region: string;
  chainSeq: number;
  record: Rec;
}

/** Every stored record (all accounts, regions), in insertion order. */
export function storedRows(dataDir: string): StoredRow[] {
  const pg = queryTestDatabase<{ account: string; region: string; chain_seq: number; record: string }>(dataDir,
    'SELECT account, region, chain_seq, record FROM audit_events ORDER BY seq');
  if (pg) return pg.map((r) => ({ account: r.account, region: r.region, chainSeq: r.chain_seq, record: JSON.parse(r.record) as Rec }));
  const db = new Database(join(dataDir, 'locksmith.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT account, region, chain_seq, record FROM audit_events ORDER BY seq').all() as { account: string; region: string; chain_seq: number; record: string }[];
    return rows.map((r) => ({ account: r.account, region: r.region, chainSeq: r.chain_seq, record: JSON.parse(r.record) as Rec }));
  } finally {
    db.close();
  }
}

/** The records of one request (one per account it was recorded in). */
export function recordsOf(h: Harness, requestId: string | undefined): Rec[] {
  if (!requestId) throw new Error('no request id');
  return storedRows(h.dataDir).map((r) => r.record).filter((r) => r.requestID === requestId);
}

/** The single record of a request. */
export function recordOf(h: Harness, requestId: string | undefined): Rec {
  const found = recordsOf(h, requestId);
  if (found.length !== 1) throw new Error(`expected one record for ${requestId}, found ${found.length}`);
  return found[0];
}

/** The request id of an SDK result or error. */
export const requestIdOf = (x: unknown): string | undefined => (x as { $metadata?: { requestId?: string } }).$metadata?.requestId;

/** Runs a call that must fail and returns its error (with $metadata). */
export async function failure(fn: () => Promise<unknown>): Promise<{ name: string; message: string; $metadata: { requestId?: string; httpStatusCode?: number } }> {
  try {
    await fn();
  } catch (e) {
    return e as never;
  }
  throw new Error('expected the call to fail');
}

export function cloudTrailClient(h: Harness, credentials: Credentials = h.credentials, region = REGION): CloudTrailClient {
  const c = new CloudTrailClient({ endpoint: h.endpoint, region, credentials, maxAttempts: 1 });
  (c.config as { systemClockOffset: number }).systemClockOffset = h.clock.now().getTime() - Date.now();
  return c;
}

/** Runs `locksmith <args>`; never throws, returns exit code and output. */
export async function locksmith(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // With LOCKSMITH_TEST_STORE=postgres, the command reads the database of the server of that data directory.
    const dataDir = args[args.indexOf('--data-dir') + 1];
    const databaseUrl = args.includes('--data-dir') && dataDir ? knownTestDatabaseUrl(dataDir) : undefined;
    const env = { ...process.env, LOCKSMITH_ROOT_KEY_FILE: '', ...(databaseUrl ? { LOCKSMITH_DATABASE_URL: databaseUrl } : {}) };
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : 1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const isoSeconds = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
