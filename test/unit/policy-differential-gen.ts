/**
 * Seeded generator of KMS authorization cases for the differential test against
 * @cloud-copilot/iam-simulate (policy-differential.test.ts). Test-only; nothing in src/ imports it.
 */
import type { RequestPrincipal } from '../../src/policy/types.js';

export const ACCT = '111122223333';
export const OTHER = '444455556666';
export const KEY = `arn:aws:kms:us-east-1:${ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ANOTHER_KEY = `arn:aws:kms:us-east-1:${ACCT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;
export const ROLE = `arn:aws:iam::${ACCT}:role/team/app`;
export const SESSION = `arn:aws:sts::${ACCT}:assumed-role/app/s1`;
export const ALICE = `arn:aws:iam::${ACCT}:user/alice`;
export const CAROL = `arn:aws:iam::${ACCT}:user/carol`;
export const BOB = `arn:aws:iam::${OTHER}:user/bob`;
export const root = (account: string) => `arn:aws:iam::${account}:root`;

export const PRINCIPALS = {
  alice: { arn: ALICE, account: ACCT, type: 'IAMUser', userName: 'alice', userId: 'AIDAALICEEXAMPLE0001' },
  session: { arn: SESSION, account: ACCT, type: 'AssumedRole', roleArn: ROLE, userId: 'AROAAPPEXAMPLE000001:s1' },
  root: { arn: root(ACCT), account: ACCT, type: 'Root', userId: ACCT },
  bob: { arn: BOB, account: OTHER, type: 'IAMUser', userName: 'bob', userId: 'AIDABOBEXAMPLE000001' },
} satisfies Record<string, RequestPrincipal>;
export type CallerName = keyof typeof PRINCIPALS;

/**
 * The account root is governed by no IAM policy: the KMS service hands the engine this allow-all
 * identity policy for it (src/services/kms/kms-authorizer.ts, ROOT_IDENTITY); both evaluators get it.
 */
export const ROOT_IDENTITY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** The KMS crypto operations (and DescribeKey) the generator requests. */
export const ACTIONS = [
  'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair', 'GenerateMac', 'Sign', 'Verify', 'DescribeKey',
] as const;

export type Json = Record<string, unknown>;
export type Context = Record<string, string | string[]>;
export interface Case {
  readonly id: number;
  readonly caller: CallerName;
  readonly action: string;
  readonly keyPolicy: { Version: string; Statement: Json[] };
  readonly identity: { Version: string; Statement: Json[] }[];
  readonly context: Context;
}

/** mulberry32: a tiny seeded PRNG, so every run generates the same cases. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(readonly next: () => number) {}
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  some<T>(xs: readonly T[], max: number): T[] {
    const n = this.int(1, Math.min(max, xs.length));
    const pool = [...xs];
    const out: T[] = [];
    while (out.length < n) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]);
    return out;
  }
}

const one = <T>(xs: T[]): T | T[] => (xs.length === 1 ? xs[0] : xs);

const KEY_POLICY_PRINCIPALS: readonly unknown[] = [
  { AWS: root(ACCT) }, { AWS: root(ACCT) }, { AWS: ACCT }, { AWS: ALICE }, { AWS: ROLE }, { AWS: SESSION },
  { AWS: CAROL }, { AWS: '*' }, '*', { AWS: root(OTHER) }, { AWS: OTHER }, { AWS: BOB },
  { AWS: [ALICE, root(OTHER)] }, { AWS: [ROLE, BOB] },
];
const ACTION_PATTERNS = [
  'kms:*', 'kms:*', '*', 'kms:Encrypt', 'kms:Decrypt', 'kms:decrypt', 'kms:Re*', 'kms:ReEncrypt*', 'kms:Generate*',
  'kms:GenerateDataKey*', 'kms:Describe*', 'kms:Sign', 'kms:Verify', 'kms:*Mac', 'kms:GenerateDataKey',
];
const RESOURCES = ['*', '*', '*', KEY, KEY, ANOTHER_KEY, `arn:aws:kms:*:${ACCT}:key/*`, `arn:aws:kms:us-east-1:${OTHER}:key/*`];

/** Condition entries: [operator, key, values]. `ifExists` may be appended; set operators are in the name. */
type CondSpec = readonly [op: string, key: string, values: readonly string[], canIfExists: boolean];
const CONDITIONS: readonly CondSpec[] = [
  ['StringEquals', 'kms:EncryptionContext:app', ['web'], true],
  ['StringEquals', 'kms:EncryptionContext:app', ['web', 'batch'], true],
  ['StringLike', 'kms:EncryptionContext:app', ['web*'], true],
  ['StringNotEquals', 'kms:EncryptionContext:team', ['red'], true],
  ['StringEquals', 'kms:EncryptionContext:team', ['blue'], true],
  ['NumericLessThan', 'kms:EncryptionContext:n', ['5'], true],
  ['Bool', 'kms:EncryptionContext:flag', ['true'], true],
  ['ForAnyValue:StringEquals', 'kms:EncryptionContextKeys', ['app', 'team'], true],
  ['ForAnyValue:StringLike', 'kms:EncryptionContextKeys', ['t*'], false],
  ['ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['app', 'team'], true],
  ['ForAllValues:StringEquals', 'kms:EncryptionContextKeys', ['app'], false],
  ['ForAnyValue:StringEquals', 'kms:EncryptionContext:app', ['web'], false],
  ['StringEquals', 'kms:EncryptionContextKeys', ['app'], true],
  ['StringEquals', 'kms:CallerAccount', [ACCT], true],
  ['StringNotEquals', 'kms:CallerAccount', [OTHER], false],
  ['StringEquals', 'kms:CallerAccount', [OTHER], false],
  ['StringLike', 'aws:PrincipalArn', [`arn:aws:iam::${ACCT}:*`], false],
  ['StringEquals', 'aws:PrincipalArn', [ALICE, ROLE], false],
  ['StringNotEquals', 'aws:PrincipalArn', [BOB], false],
  ['StringEquals', 'kms:EncryptionAlgorithm', ['SYMMETRIC_DEFAULT'], true],
  ['StringNotEquals', 'kms:EncryptionAlgorithm', ['RSAES_OAEP_SHA_1'], true],
  ['Bool', 'aws:SecureTransport', ['true'], true],
  ['Bool', 'aws:SecureTransport', ['false'], false],
  ['IpAddress', 'aws:SourceIp', ['10.0.0.0/8'], true],
  ['IpAddress', 'aws:SourceIp', ['203.0.113.0/24', '192.168.1.10'], true],
  ['Null', 'kms:EncryptionContextKeys', ['true'], false],
  ['Null', 'kms:EncryptionContextKeys', ['false'], false],
  ['Null', 'kms:EncryptionContext:app', ['false'], false],
  ['Null', 'aws:SourceIp', ['true'], false],
  // A few more operators, for breadth.
  ['StringEqualsIgnoreCase', 'kms:EncryptionContext:app', ['WEB'], true],
  ['StringNotLike', 'kms:EncryptionContext:app', ['b*'], true],
  ['NotIpAddress', 'aws:SourceIp', ['10.0.0.0/16'], true],
  ['IpAddress', 'aws:SourceIp', ['2001:db8::/32'], false],
  ['ArnLike', 'aws:PrincipalArn', [`arn:aws:iam::${ACCT}:role/*`], true],
  ['ArnNotEquals', 'aws:PrincipalArn', [ALICE], false],
  ['NumericGreaterThanEquals', 'kms:EncryptionContext:n', ['5'], true],
  ['ForAllValues:StringNotEquals', 'kms:EncryptionContextKeys', ['flag'], false],
  ['ForAnyValue:StringNotLike', 'kms:EncryptionContextKeys', ['a*'], false],
];
/** Identity policies may also use ForAllValues on a single-valued key (KMS refuses it only in key policies). */
const IDENTITY_ONLY_CONDITIONS: readonly CondSpec[] = [['ForAllValues:StringEquals', 'kms:EncryptionContext:app', ['web'], false]];

function condition(r: Rng, identity: boolean): Json | undefined {
  if (!r.chance(0.55)) return undefined;
  const pool = identity ? [...CONDITIONS, ...IDENTITY_ONLY_CONDITIONS] : CONDITIONS;
  const block: Record<string, Record<string, string | string[]>> = {};
  for (let i = r.int(1, 2); i > 0; i--) {
    const [op, key, values, canIfExists] = r.pick(pool);
    const name = canIfExists && r.chance(0.3) ? `${op}IfExists` : op;
    (block[name] ??= {})[key] = one([...values]);
  }
  return block;
}

function statement(r: Rng, identity: boolean): Json {
  const s: Json = { Effect: r.chance(0.22) ? 'Deny' : 'Allow' };
  if (!identity) s.Principal = r.pick(KEY_POLICY_PRINCIPALS);
  s[r.chance(0.12) ? 'NotAction' : 'Action'] = one(r.some(ACTION_PATTERNS, 3));
  s.Resource = r.pick(RESOURCES);
  const c = condition(r, identity);
  if (c) s.Condition = c;
  return s;
}

/** Condition keys each action carries, as iam-simulate's action table lists them (lowercase). */
export type ActionKeys = ReadonlyMap<string, ReadonlySet<string>>;

const EC_VALUES: Record<string, readonly string[]> = {
  app: ['web', 'batch', 'Web', 'web-1', 'api'], team: ['red', 'blue'], n: ['1', '5', '10', 'abc'], flag: ['true', 'false', 'TRUE'],
};

/** Request context: the principal-derived keys always, the others sometimes, consistent with the action. */
function context(r: Rng, caller: CallerName, action: string, keys: ActionKeys): Context {
  const p: RequestPrincipal = PRINCIPALS[caller];
  const has = (k: string) => keys.get(action)?.has(k) ?? false;
  // AWS sets aws:PrincipalArn (the role ARN for a role session) and kms:CallerAccount on every request.
  const ctx: Context = { 'aws:PrincipalArn': p.roleArn ?? p.arn, 'kms:CallerAccount': p.account };
  if (r.chance(0.8)) ctx['aws:SourceIp'] = r.pick(['10.0.0.5', '10.200.1.2', '192.168.1.10', '203.0.113.7', '198.51.100.1', '2001:db8::1']);
  if (r.chance(0.7)) ctx['aws:SecureTransport'] = r.pick(['true', 'false']);
  if (has('kms:encryptioncontext:${encryptioncontextkey}') && r.chance(0.75)) {
    const names = r.some(Object.keys(EC_VALUES), 3);
    for (const n of names) ctx[`kms:EncryptionContext:${n}`] = r.pick(EC_VALUES[n]);
    // kms:EncryptionContextKeys is multivalued (ArrayOfString): always an array, absent without a context.
    ctx['kms:EncryptionContextKeys'] = names;
  }
  if (has('kms:encryptionalgorithm') && r.chance(0.6)) ctx['kms:EncryptionAlgorithm'] = r.pick(['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_256']);
  return ctx;
}

export function generateCases(seed: number, count: number, keys: ActionKeys): Case[] {
  const r = new Rng(mulberry32(seed));
  const callers = Object.keys(PRINCIPALS) as CallerName[];
  const cases: Case[] = [];
  for (let id = 0; id < count; id++) {
    const caller = r.pick(callers);
    const action = r.pick(ACTIONS);
    const statements = Array.from({ length: r.int(1, 3) }, () => statement(r, false));
    // Often start from the default key policy (delegation to the owner account), sometimes also to the other account.
    if (r.chance(0.35)) statements.unshift({ Effect: 'Allow', Principal: { AWS: root(ACCT) }, Action: 'kms:*', Resource: '*' });
    if (r.chance(0.15)) statements.push({ Effect: 'Allow', Principal: { AWS: root(OTHER) }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'], Resource: '*' });
    const keyPolicy = { Version: '2012-10-17', Statement: statements };
    const identity = caller === 'root'
      ? [ROOT_IDENTITY]
      : Array.from({ length: r.int(0, 2) }, () => ({ Version: '2012-10-17', Statement: Array.from({ length: r.int(1, 2) }, () => statement(r, true)) }));
    cases.push({ id, caller, action, keyPolicy, identity, context: context(r, caller, action, keys) });
  }
  return cases;
}
