/**
 * LookupEvents and GetKeyLastUsage on a large SQLite trail, through the store (no HTTP):
 * `node --import tsx bench/audit-lookup.bench.ts [--records N] [--group G] [--compare <build>]`.
 * Appends N records (default 300,000) in append transactions of G (default 37, what a group commit
 * holds at 64 connections; 1 is a trail written one call at a time), 1,000 users and 200 keys
 * with a few rare ones, then times pages of 50: newest first by time, by a common and a rare value
 * of each kind, an old EventId, and a key's last use far back. `--compare` runs the same against
 * another build's store (its `dist/store/sqlite/sqlite-store.js`), e.g. one from before the block
 * summaries, and prints both.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { toStoredEvent } from '../src/audit/record-index.js';
import type { CloudTrailRecord } from '../src/audit/record.js';
import type { AuditLookup, AuditStore, NewAuditEvent } from '../src/store/audit-ports.js';
import type { Store } from '../src/store/ports.js';
import { Prng } from '../test/reliability/lib/prng.js';

const args = process.argv.slice(2);
const flag = (f: string) => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);
const RECORDS = Number(flag('--records') ?? 300_000);
const GROUP = Number(flag('--group') ?? 37);
const compare = flag('--compare');
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const T0 = Date.parse('2026-11-01T00:00:00Z');
const keyArn = (i: number) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${String(i).padStart(8, '0')}-1111-2222-3333-444455556666`;
const NAMES = ['Encrypt', 'Decrypt', 'GenerateDataKey', 'DescribeKey', 'ReEncrypt'];

/** Record i: the usual users and keys, and now and then (1 in 10,000) a rare user, key or operation. */
function event(r: Prng, i: number): NewAuditEvent {
  const rare = i % 10_000 === 7;
  const user = rare ? 'rare-user' : `user-${r.int(0, 999)}`;
  const time = T0 + Math.floor(i / 20) * 1000; // 20 calls a second
  const record: CloudTrailRecord = {
    eventVersion: '1.09',
    userIdentity: { type: 'IAMUser', principalId: `AIDA${user}`, arn: `arn:aws:iam::${ACCOUNT}:user/${user}`, accountId: ACCOUNT, accessKeyId: `AKIA${String(r.int(0, 999)).padStart(16, '0')}`, userName: user },
    eventTime: new Date(time).toISOString().slice(0, -5) + 'Z',
    eventSource: 'kms.amazonaws.com',
    eventName: rare ? 'GetKeyRotationStatus' : r.pick(NAMES),
    awsRegion: REGION,
    sourceIPAddress: '127.0.0.1',
    userAgent: 'audit-lookup-bench',
    requestParameters: { keyId: keyArn(rare ? 999 : r.int(0, 199)), encryptionContext: { tenant: `t${r.int(0, 50)}` } },
    responseElements: null,
    // Version-7 shaped, as the server's: the time's milliseconds first.
    eventID: `${time.toString(16).padStart(12, '0').replace(/^(.{8})(.{4})$/, '$1-$2')}-7000-8000-${String(i).padStart(12, '0')}`,
    readOnly: true,
    resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: keyArn(rare ? 999 : r.int(0, 199)) }],
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
  };
  return toStoredEvent(record, new Date(time));
}

async function measure(label: string, storeModule: string): Promise<void> {
  const { openSqliteStore } = (await import(pathToFileURL(storeModule).href)) as { openSqliteStore: (path: string) => Store };
  const dir = mkdtempSync(join(tmpdir(), 'locksmith-audit-lookup-'));
  const path = join(dir, 'locksmith.db');
  try {
    const store = openSqliteStore(path);
    const r = new Prng(1);
    let oldId = '';
    const started = performance.now();
    for (let i = 0; i < RECORDS; i += GROUP) {
      const group = Array.from({ length: Math.min(GROUP, RECORDS - i) }, (_, k) => event(r, i + k));
      if (i <= 3 && 3 < i + group.length) oldId = group[3 - i]!.eventId;
      await store.audit.append(group);
    }
    const appendUs = ((performance.now() - started) * 1000) / RECORDS;
    const mb = (statSync(path).size + (statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0)) / 2 ** 20;
    console.log(`${label}: ${RECORDS} records in groups of ${GROUP}, ${appendUs.toFixed(1)} µs per record appended (store only, this thread), ${mb.toFixed(0)} MiB`);
    const audit = store.audit as AuditStore;
    const lookups: [string, Omit<AuditLookup, 'account' | 'region' | 'limit'>][] = [
      ['newest 50, no filter', {}],
      ['EventName Encrypt (1 in 5)', { attribute: { key: 'EventName', value: 'Encrypt' } }],
      ['Username user-5 (1 in 1,000)', { attribute: { key: 'Username', value: 'user-5' } }],
      ['Username rare-user (1 in 10,000)', { attribute: { key: 'Username', value: 'rare-user' } }],
      ['ResourceName a usual key (1 in 200)', { attribute: { key: 'ResourceName', value: keyArn(5) } }],
      ['EventId of the 4th record', { attribute: { key: 'EventId', value: oldId } }],
      ['EventName none such', { attribute: { key: 'EventName', value: 'NoSuchOperation' } }],
      ['EventName Encrypt, last hour only', { attribute: { key: 'EventName', value: 'Encrypt' }, startTime: new Date(T0 + (RECORDS / 20 - 3600) * 1000) }],
      ['EventName Encrypt, first hour only', { attribute: { key: 'EventName', value: 'Encrypt' }, startTime: new Date(T0), endTime: new Date(T0 + 3600_000) }],
    ];
    for (const [name, q] of lookups) {
      const times: number[] = [];
      let found = 0;
      for (let k = 0; k < 5; k++) {
        const t = performance.now();
        found = (await audit.lookup({ account: ACCOUNT, region: REGION, limit: 50, ...q })).events.length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      console.log(`  ${name.padEnd(40)} ${found.toString().padStart(3)} found, median ${times[2]!.toFixed(2).padStart(8)} ms`);
    }
    for (const k of [5, 999]) {
      const t = performance.now();
      const last = await audit.lastKeyUsage(ACCOUNT, REGION, keyArn(k), ['GetKeyRotationStatus', 'Encrypt']);
      console.log(`  ${`GetKeyLastUsage key ${k}`.padEnd(40)} ${last ? 'found' : 'none '}, ${(performance.now() - t).toFixed(2).padStart(8)} ms`);
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (compare) await measure(`base (${compare})`, join(resolve(compare), 'dist/store/sqlite/sqlite-store.js'));
await measure('this', resolve('src/store/sqlite/sqlite-store.ts'));
