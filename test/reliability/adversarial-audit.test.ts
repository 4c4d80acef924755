/**
 * Audit-first under hostile input (issue #11, finding 3): correctly signed requests for every
 * protocol — KMS and CloudTrail awsJson, IAM and STS awsQuery — each carrying one hostile mutation
 * (deep form keys, deep JSON nesting, 1e400 / -0 / 1e-400 / huge integers, long names and values,
 * invalid UTF-8, duplicate members, mixed types, many members). Properties, request by request:
 *  - never a 5xx;
 *  - a non-2xx answer changed nothing (every table but the audit trail's is byte-identical);
 *  - a 2xx answer has exactly one durable record in the caller's trail (read from the database file);
 *  - no audit intent is left unsettled (src/server/audit-first.ts).
 * Requests run one at a time so each state comparison belongs to one request.
 *
 * Size: LOCKSMITH_RELIABILITY=full → 4,000 requests; default → 300.
 * Replay: LOCKSMITH_SEED_RELIABILITY=<seed> (printed).
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Harness, REGION, send, signRequest, type Credentials, type RawResponse } from '../blackbox/harness.js';
import { Prng, runSeed } from './lib/prng.js';
import { bySize, reliabilitySize } from './lib/size.js';

const REQUESTS = Number(process.env.LOCKSMITH_ADVERSARIAL_REQUESTS) || bySize(300, 4_000);
const ALPHA = '111111111111';
const ALPHA_ROOT = { accessKeyId: 'AKIAALPHAROOT0000001', secretAccessKey: 'alpha-root-secret' };
const ALICE = { accessKeyId: 'AKIAALICE00000000001', secretAccessKey: 'alice-secret' };
const KEY = `arn:aws:kms:us-east-1:${ALPHA}:key/11111111-2222-3333-4444-666666666666`;
const CLOUDTRAIL_TARGET = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents';
/** Tables of the audit trail itself and the change counter: the only ones a refused call may touch. */
const AUDIT_TABLES = /^(audit_|store_changes$|sqlite_)/;

type Protocol = 'kms' | 'cloudtrail' | 'iam' | 'sts';
interface Hostile {
  protocol: Protocol;
  operation: string;
  what: string;
  body: string | Buffer;
  credentials: Credentials;
}

/** Valid inputs per operation, so one mutation reaches deep into decoding, validation and the operation. */
const KMS_BASES: Record<string, () => Record<string, unknown>> = {
  DescribeKey: () => ({ KeyId: KEY }),
  Encrypt: () => ({ KeyId: KEY, Plaintext: 'AAEC', EncryptionContext: { a: 'b' } }),
  GenerateDataKey: () => ({ KeyId: KEY, NumberOfBytes: 32 }),
  GenerateRandom: () => ({ NumberOfBytes: 16 }),
  UpdateKeyDescription: () => ({ KeyId: KEY, Description: 'adversarial' }),
  TagResource: () => ({ KeyId: KEY, Tags: [{ TagKey: 'k', TagValue: 'v' }] }),
  ScheduleKeyDeletion: () => ({ KeyId: KEY, PendingWindowInDays: 1 }), // 1 < 7: refused unless a mutation "fixes" it
  CreateAlias: () => ({ AliasName: 'alias/adv', TargetKeyId: KEY }),
  ListKeys: () => ({ Limit: 10 }),
  CreateGrant: () => ({ KeyId: KEY, GranteePrincipal: `arn:aws:iam::${ALPHA}:root`, Operations: ['Decrypt'], GrantTokens: ['x'] }),
};
const QUERY_BASES: Record<'iam' | 'sts', Record<string, () => Record<string, string>>> = {
  iam: {
    PutUserPolicy: () => ({ UserName: 'auditor', PolicyName: 'adv', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }),
    TagUser: () => ({ UserName: 'auditor', 'Tags.member.1.Key': 'k', 'Tags.member.1.Value': 'v' }),
    ListUsers: () => ({ MaxItems: '5' }),
    GetUser: () => ({ UserName: 'alice' }),
    CreateUser: () => ({ UserName: 'adv-user' }),
  },
  sts: {
    GetCallerIdentity: () => ({}),
    GetSessionToken: () => ({ DurationSeconds: '900' }),
  },
};

const HUGE_NUMBERS = ['1e400', '-1e400', '-0', '1e-400', '123456789012345678901234567890', '9007199254740993', '-9223372036854775809', '0.5'];

function deepJson(depth: number, rng: Prng): string {
  const open = rng.chance(0.5) ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  return open.repeat(depth) + '1' + close.repeat(depth);
}

/** One hostile value in JSON text. */
function hostileJsonValue(rng: Prng): string {
  switch (rng.int(0, 6)) {
    case 0: return rng.pick(HUGE_NUMBERS);
    case 1: return deepJson(rng.int(50, 20_000), rng);
    case 2: return JSON.stringify('v'.repeat(rng.int(1_000, 200_000)));
    case 3: return rng.pick(['true', 'null', '[]', '{}', '"1e400"', '[1e400]', '{"1e400":1e400}', '[[["x"]]]']);
    case 4: return JSON.stringify(Object.fromEntries(Array.from({ length: rng.int(100, 3_000) }, (_, i) => [`k${i}`, i])));
    case 5: return JSON.stringify('\ud800\udfff\u0000\u202e' + rng.ascii(20));
    default: return `"${'\\u0041'.repeat(rng.int(1, 2_000))}"`;
  }
}

function kmsCase(rng: Prng, protocol: 'kms' | 'cloudtrail'): Hostile {
  const operation = protocol === 'kms' ? rng.pick(Object.keys(KMS_BASES)) : 'LookupEvents';
  const base: Record<string, unknown> = protocol === 'kms' ? KMS_BASES[operation]!() : { MaxResults: 5, LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Encrypt' }] };
  const members = Object.keys(base);
  const entries = Object.entries(base).map(([k, v]) => [JSON.stringify(k), JSON.stringify(v)] as [string, string]);
  let what: string;
  switch (rng.int(0, 5)) {
    case 0: { // replace a member's value
      const i = rng.int(0, Math.max(0, entries.length - 1));
      const v = hostileJsonValue(rng);
      if (entries[i]) entries[i]![1] = v;
      else entries.push(['"StartTime"', v]);
      what = `member ${members[i] ?? 'StartTime'} := ${v.slice(0, 40)}`;
      break;
    }
    case 1: { // an extra member
      const name = rng.chance(0.3) ? 'x'.repeat(rng.int(1_000, 100_000)) : rng.pick(['Extra', '__proto__', 'constructor', 'MaxResults', 'Limit', 'GrantTokens']);
      entries.push([JSON.stringify(name), hostileJsonValue(rng)]);
      what = `extra member ${name.slice(0, 20)}`;
      break;
    }
    case 2: { // duplicate members: the first valid, the second hostile (and the reverse)
      const i = rng.int(0, Math.max(0, entries.length - 1));
      const e = entries[i] ?? ['"Limit"', '1'];
      const dup: [string, string] = [e[0], hostileJsonValue(rng)];
      if (rng.chance(0.5)) entries.push(dup);
      else entries.unshift(dup);
      what = `duplicate ${e[0]}`;
      break;
    }
    case 3: // numbers everywhere
      for (const e of entries) if (rng.chance(0.7)) e[1] = rng.pick(HUGE_NUMBERS);
      what = 'numbers for members';
      break;
    case 4: { // invalid UTF-8 inside the JSON text
      const text = '{' + entries.map(([k, v]) => `${k}:${v}`).join(',') + '}';
      const at = rng.int(1, text.length - 1);
      const body = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([rng.pick([0xff, 0xc0, 0xed, 0x80])]), Buffer.from(text.slice(at))]);
      return { protocol, operation, what: `invalid UTF-8 at ${at}`, body, credentials: rng.chance(0.5) ? ALPHA_ROOT : ALICE };
    }
    default: // the whole body is a hostile value
      return { protocol, operation, what: 'body is a hostile value', body: hostileJsonValue(rng), credentials: ALPHA_ROOT };
  }
  return { protocol, operation, what, body: '{' + entries.map(([k, v]) => `${k}:${v}`).join(',') + '}', credentials: rng.chance(0.5) ? ALPHA_ROOT : ALICE };
}

function queryCase(rng: Prng, protocol: 'iam' | 'sts'): Hostile {
  const operation = rng.pick(Object.keys(QUERY_BASES[protocol]));
  const fields: [string, string][] = [['Action', operation], ['Version', protocol === 'iam' ? '2010-05-08' : '2011-06-15'], ...Object.entries(QUERY_BASES[protocol][operation]!())];
  let what: string;
  const enc = (s: string) => encodeURIComponent(s);
  let raw: string | undefined;
  switch (rng.int(0, 6)) {
    case 0: {
      const parts = rng.pick([17, 100, 5_000, 20_000]);
      fields.push([Array.from({ length: parts }, (_, i) => `p${i}`).join('.'), 'x']);
      what = `form key of ${parts} parts`;
      break;
    }
    case 1:
      fields.push([rng.pick(['Tags', 'PolicyArns', 'x']) + '.member.' + '9'.repeat(rng.int(10, 400)), 'v'], ['K'.repeat(rng.int(257, 50_000)), 'v']);
      what = 'long form keys';
      break;
    case 2: {
      const i = rng.int(2, fields.length - 1);
      if (fields[i]) fields[i]![1] = rng.pick(HUGE_NUMBERS.concat(['v'.repeat(rng.int(1_000, 200_000))]));
      else fields.push(['DurationSeconds', rng.pick(HUGE_NUMBERS)]);
      what = `member value ${(fields[i]?.[0] ?? 'DurationSeconds')}`;
      break;
    }
    case 3: {
      const i = rng.int(0, fields.length - 1);
      fields.push([fields[i]![0], rng.pick(['', 'ListUsers', 'DeleteUser', '1e400', 'x'.repeat(500)])]);
      what = `duplicate ${fields[i]![0]}`;
      break;
    }
    case 4:
      for (let i = 0; i < rng.int(1_001, 3_000); i++) fields.push([`Junk${i}.member.${i}`, String(i)]);
      what = 'many members';
      break;
    case 5:
      raw = fields.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&') + rng.pick(['&%FF%FE=%C0%AF', '&UserName=%ED%A0%80', '&a%00b=%00', '&%=%', '&Tags.member.1.Key=%F0%9F']);
      what = 'invalid UTF-8 / bad escapes';
      break;
    default:
      fields.push([`Tags.member.${rng.int(1, 60)}.Key`, '\u0000\u202e' + 'k'.repeat(rng.int(0, 300))], ['Tags.member.1.Value.extra.deep', 'v']);
      what = 'odd tag members';
  }
  const body = raw ?? fields.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  return { protocol, operation, what, body, credentials: rng.chance(0.5) ? ALPHA_ROOT : ALICE };
}

function hostileCase(seed: number, index: number): Hostile {
  const rng = new Prng((Math.imul(seed ^ 0x5bd1e995, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0);
  const protocol = rng.pick(['kms', 'kms', 'cloudtrail', 'iam', 'iam', 'sts'] as const);
  return protocol === 'kms' || protocol === 'cloudtrail' ? kmsCase(rng, protocol) : queryCase(rng, protocol);
}

async function sendHostile(h: Harness, c: Hostile): Promise<RawResponse> {
  const headers: Record<string, string> =
    c.protocol === 'kms' ? { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${c.operation}` }
    : c.protocol === 'cloudtrail' ? { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': CLOUDTRAIL_TARGET }
    : { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  // The harness signer takes text; a Buffer body (invalid UTF-8) is signed over its exact bytes.
  const signed = await signRequest(h.endpoint, { headers, body: c.body as string, credentials: c.credentials, region: REGION, service: c.protocol, signingDate: h.clock.now() });
  return send(h.endpoint, { ...signed, body: c.body as string });
}

describe(`adversarial audit-first (${reliabilitySize()}: ${REQUESTS} requests)`, () => {
  let h: Harness;
  let db: Database.Database;
  before(async () => {
    h = await Harness.start({ seedFile: join(import.meta.dirname, '../fixtures/seed-two-accounts.yaml') });
    db = new Database(join(h.dataDir, 'locksmith.db'), { readonly: true });
  });
  after(async () => {
    db.close();
    await h.stop();
  });

  /** A digest of every table but the audit trail's: equal digests, unchanged state. */
  const stateDigest = (): string => {
    const hash = createHash('sha256');
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
    for (const t of tables) {
      if (AUDIT_TABLES.test(t)) continue;
      hash.update(`\u0000${t}\u0000`);
      for (const row of db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).raw().iterate()) {
        hash.update(JSON.stringify(row, (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? v.toString() : v)));
      }
    }
    return hash.digest('hex');
  };

  it('no 5xx; a refused call changes nothing; an accepted call has exactly one durable record', { timeout: bySize(300_000, 3_600_000) }, async () => {
    const seed = runSeed();
    console.log(`adversarial-audit seed ${seed} (replay: LOCKSMITH_SEED_RELIABILITY=${seed})`);
    const recordsFor = db.prepare(`SELECT COUNT(*) FROM audit_events WHERE account = ? AND json_extract(record, '$.requestID') = ?`).pluck();
    const unsettled = db.prepare(`SELECT COUNT(*) FROM audit_intents`).pluck();
    const failures: string[] = [];
    const outcomes = new Map<string, number>();
    for (let i = 0; i < REQUESTS && failures.length < 20; i++) {
      const c = hostileCase(seed, i);
      const before = stateDigest();
      const r = await sendHostile(h, c);
      const label = `#${i} ${c.protocol} ${c.operation} [${c.what}]`;
      const code = r.json?.__type ?? /<Code>([^<]+)<\/Code>/.exec(r.text)?.[1] ?? String(r.status);
      outcomes.set(`${r.status} ${code}`, (outcomes.get(`${r.status} ${code}`) ?? 0) + 1);
      if (r.status >= 500) {
        failures.push(`${label}: HTTP ${r.status} ${r.text.slice(0, 200)}`);
        continue;
      }
      const requestId = r.headers['x-amzn-requestid'] as string;
      const records = recordsFor.get(ALPHA, requestId) as number;
      if ((unsettled.get() as number) !== 0) failures.push(`${label}: its audit intent was left unsettled`);
      if (r.status >= 200 && r.status < 300) {
        if (records !== 1) failures.push(`${label}: answered ${r.status} with ${records} records in the caller's trail`);
      } else {
        if (stateDigest() !== before) failures.push(`${label}: answered ${r.status} ${code} but the state changed`);
        if (records > 1) failures.push(`${label}: ${records} records`);
      }
    }
    console.log(`answers: ${JSON.stringify(Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])))}`);
    assert.deepEqual(failures, [], `seed ${seed}`);
    assert.ok(outcomes.size > 3, 'the mutations reach several different answers');
  });
});
