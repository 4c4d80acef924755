/**
 * Differential test: our KMS policy engine (src/policy) against @cloud-copilot/iam-simulate, an
 * independent model of AWS's evaluation (AGPL: used here, in tests only, never from src/). Both get
 * the same generated key policy, identity policies and request; the allow / explicit-deny /
 * implicit-deny outcomes must agree, or the disagreement must be explained by a listed difference.
 *
 * Explaining is causal, not by pattern alone: a difference class rewrites the case into an
 * equivalent one under iam-simulate's semantics that no longer uses the disputed construct; the
 * disagreement counts as explained only if iam-simulate's answer is unchanged by the rewrite and ours
 * then agrees with it.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allowedContextKeysForRequest, runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { evaluateKmsAccess } from '../../src/policy/evaluate.js';
import type { RequestPrincipal } from '../../src/policy/types.js';
import {
  ACCT, ACTIONS, ALICE, BOB, CAROL, KEY, OTHER, PRINCIPALS, ROLE, ROOT_IDENTITY, generateCases, root,
  type ActionKeys, type Case, type CallerName, type Context, type Json,
} from './policy-differential-gen.js';

type Outcome = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

// Fixed so runs are reproducible; override to fuzz locally (POLICY_DIFF_SEED=7 POLICY_DIFF_COUNT=50000).
const SEED = Number(process.env.POLICY_DIFF_SEED ?? 0x10c5_3171);
const COUNT = Number(process.env.POLICY_DIFF_COUNT ?? 2000);

function ours(c: Case): Outcome {
  const d = evaluateKmsAccess(
    { principal: PRINCIPALS[c.caller], action: `kms:${c.action}`, resource: KEY, resourceAccount: ACCT, conditionKeys: c.context },
    { keyPolicy: JSON.stringify(c.keyPolicy), identityPolicies: c.identity.map((p, i) => ({ name: `p${i}`, document: JSON.stringify(p) })) },
  );
  return d.allowed ? 'Allowed' : d.reason.startsWith('explicitDeny') ? 'ExplicitlyDenied' : 'ImplicitlyDenied';
}

function simulation(c: Case) {
  return {
    request: { principal: PRINCIPALS[c.caller].arn, action: `kms:${c.action}`, resource: { resource: KEY, accountId: ACCT }, contextVariables: c.context },
    identityPolicies: c.identity.map((policy, i) => ({ name: `p${i}`, policy })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
}

/**
 * iam-simulate's unvalidated entry point: its validated `runSimulation` drops `kms:EncryptionContext:<k>`
 * keys from the request (it matches templated key names only at a `/`, and this one templates after a
 * `:`). The resource policy is passed pre-wrapped because the unvalidated path loads it without a name.
 */
function theirs(c: Case): Outcome {
  const resourcePolicy = { __validated: true, policyDocument: c.keyPolicy, metadata: { name: 'key-policy' }, errors: [] };
  return runUnsafeSimulation({ ...simulation(c), resourcePolicy }, {});
}

interface Difference {
  readonly name: string;
  /** 'awaitingFix': iam-simulate (and AWS, per the source) is right and our engine is wrong. */
  readonly status: 'awaitingFix' | 'awsAgreesWithUs';
  readonly source: string;
  /** The same case under iam-simulate's semantics without the disputed construct (undefined: does not apply). */
  readonly rewrite: (c: Case) => Case | undefined;
}

/**
 * Every known disagreement. The test fails on any other, and on any listed class that no longer
 * occurs (remove it once src/policy is fixed).
 */
// Both classes found by the first run (ForAnyValue:…IfExists on an absent key; a plain operator
// on a multivalued key) were our bugs and are fixed in src/policy/conditions.ts; their minimized
// cases below now assert agreement. Add a class here only with a source that says we are right.
const DIFFERENCES: readonly Difference[] = [];

/** Which differences explain a disagreement: each alone first, then all together. */
function explain(c: Case, expected: Outcome): string[] | undefined {
  const applicable = DIFFERENCES.flatMap((d) => {
    const r = d.rewrite(c);
    return r ? [{ d, r }] : [];
  });
  for (const { d, r } of applicable) if (theirs(r) === expected && ours(r) === expected) return [d.name];
  let all = c;
  for (const { d } of applicable) all = d.rewrite(all) ?? all;
  if (applicable.length > 1 && theirs(all) === expected && ours(all) === expected) return applicable.map(({ d }) => d.name);
  return undefined;
}

// ---- the generated run ------------------------------------------------------------------------

let keys: ActionKeys;
before(async () => {
  const m = new Map<string, Set<string>>();
  for (const a of ACTIONS) m.set(a, new Set(await allowedContextKeysForRequest('kms', a, KEY, false, undefined)));
  keys = m;
});

describe('policy engine vs iam-simulate, generated cases', () => {
  it('iam-simulate accepts the generated policies as valid (validated entry point, first 150 cases)', async () => {
    for (const c of generateCases(SEED, 150, keys)) {
      const r = await runSimulation({ ...simulation(c), resourcePolicy: c.keyPolicy }, {});
      assert.notEqual(r.resultType, 'error', `case ${c.id}: ${JSON.stringify(r.resultType === 'error' ? r.errors : '')}`);
    }
  });

  it(`agrees on ${COUNT} cases except for listed, explained differences`, (t) => {
    const cases = generateCases(SEED, COUNT, keys);
    const outcomes: Record<string, number> = {};
    const explained = new Map<string, number>();
    const unexplained: string[] = [];
    let agree = 0;
    for (const c of cases) {
      const a = ours(c);
      const b = theirs(c);
      outcomes[`${c.caller}:${b}`] = (outcomes[`${c.caller}:${b}`] ?? 0) + 1;
      if (a === b) {
        agree++;
        continue;
      }
      const why = explain(c, b);
      if (why) for (const n of why) explained.set(n, (explained.get(n) ?? 0) + 1);
      else unexplained.push(`case ${c.id}: ours ${a}, iam-simulate ${b}\n${JSON.stringify(c)}`);
    }
    t.diagnostic(`agreement ${agree}/${COUNT} (${((100 * agree) / COUNT).toFixed(2)}%)`);
    t.diagnostic(`outcomes (iam-simulate): ${JSON.stringify(outcomes)}`);
    for (const d of DIFFERENCES) t.diagnostic(`explained by "${d.name}" [${d.status}]: ${explained.get(d.name) ?? 0}`);
    assert.deepEqual(unexplained.slice(0, 5), [], `${unexplained.length} unexplained disagreements`);
    for (const d of DIFFERENCES) {
      assert.ok(explained.has(d.name), `"${d.name}" no longer occurs: if src/policy was fixed, remove it from DIFFERENCES`);
    }
    // Every kind of caller reaches every outcome, so the comparison exercises each path.
    for (const caller of Object.keys(PRINCIPALS)) {
      for (const o of ['Allowed', 'ExplicitlyDenied', 'ImplicitlyDenied']) assert.ok(outcomes[`${caller}:${o}`], `${caller} never ${o}`);
    }
  });
});

// ---- minimized examples of the listed differences ---------------------------------------------

describe('formerly disputed cases, minimized: both evaluators agree', () => {
  const delegate = { Effect: 'Allow', Principal: { AWS: root(ACCT) }, Action: 'kms:*', Resource: '*' };
  const base = { caller: 'alice' as CallerName, action: 'Decrypt', id: -1 };
  const ctx = { 'aws:PrincipalArn': ALICE, 'kms:CallerAccount': ACCT };
  const withCondition = (condition: Json, context: Context): Case => ({
    ...base,
    keyPolicy: { Version: '2012-10-17', Statement: [delegate] },
    identity: [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY, Condition: condition }] }],
    context: { ...ctx, ...context },
  });

  it('ForAnyValue:StringEqualsIfExists, no encryption context: denied (IAM User Guide: ForAnyValue is false for an absent key)', () => {
    const c = withCondition({ 'ForAnyValue:StringEqualsIfExists': { 'kms:EncryptionContextKeys': 'app' } }, {});
    assert.equal(theirs(c), 'ImplicitlyDenied');
    assert.equal(ours(c), 'ImplicitlyDenied');
  });
  it('StringEquals on kms:EncryptionContextKeys ["app"]: denied (multivalued keys need a set operator)', () => {
    const c = withCondition({ StringEquals: { 'kms:EncryptionContextKeys': 'app' } }, { 'kms:EncryptionContext:app': 'x', 'kms:EncryptionContextKeys': ['app'] });
    assert.equal(theirs(c), 'ImplicitlyDenied');
    assert.equal(ours(c), 'ImplicitlyDenied');
  });
});

// ---- classic cases, asserted against both evaluators ------------------------------------------

interface Classic {
  name: string;
  caller: CallerName;
  keyPolicy: Json[];
  identity?: Json[][];
  action?: string;
  context?: Context;
  expect: Outcome;
}
const allow = (principal: unknown, action: unknown = 'kms:*', extra: Json = {}) => ({ Effect: 'Allow', Principal: principal, Action: action, Resource: '*', ...extra });
const deny = (principal: unknown, action: unknown = 'kms:*') => ({ Effect: 'Deny', Principal: principal, Action: action, Resource: '*' });
const iamAllow = (resource = KEY, action: unknown = 'kms:Decrypt', extra: Json = {}) => [{ Effect: 'Allow', Action: action, Resource: resource, ...extra }];
const iamDeny = [{ Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' }];
const DELEGATE = allow({ AWS: root(ACCT) });

const CLASSICS: Classic[] = [
  { name: 'delegation to the account + IAM allow', caller: 'alice', keyPolicy: [DELEGATE], identity: [iamAllow()], expect: 'Allowed' },
  { name: 'delegation by account id + IAM allow', caller: 'alice', keyPolicy: [allow({ AWS: ACCT })], identity: [iamAllow('*')], expect: 'Allowed' },
  { name: 'delegation without an IAM allow', caller: 'alice', keyPolicy: [DELEGATE], expect: 'ImplicitlyDenied' },
  { name: 'IAM allow without delegation', caller: 'alice', keyPolicy: [allow({ AWS: CAROL })], identity: [iamAllow('*', 'kms:*')], expect: 'ImplicitlyDenied' },
  { name: 'key policy names the user: no IAM policy needed', caller: 'alice', keyPolicy: [allow({ AWS: ALICE }, 'kms:Decrypt')], expect: 'Allowed' },
  { name: 'key policy names the role: its sessions need no IAM policy', caller: 'session', keyPolicy: [allow({ AWS: ROLE })], expect: 'Allowed' },
  { name: 'the account root under the default key policy', caller: 'root', keyPolicy: [DELEGATE], identity: [ROOT_IDENTITY.Statement], expect: 'Allowed' },
  { name: 'the account root when only a user is named', caller: 'root', keyPolicy: [allow({ AWS: ALICE })], identity: [ROOT_IDENTITY.Statement], expect: 'ImplicitlyDenied' },
  { name: 'cross account: both sides allow', caller: 'bob', keyPolicy: [DELEGATE, allow({ AWS: root(OTHER) }, ['kms:Decrypt'])], identity: [iamAllow()], expect: 'Allowed' },
  { name: 'cross account: key policy names the user, IAM allows', caller: 'bob', keyPolicy: [allow({ AWS: BOB }, 'kms:Decrypt')], identity: [iamAllow()], expect: 'Allowed' },
  { name: 'cross account: key policy only', caller: 'bob', keyPolicy: [allow({ AWS: BOB }, 'kms:Decrypt')], expect: 'ImplicitlyDenied' },
  { name: 'cross account: IAM only', caller: 'bob', keyPolicy: [DELEGATE], identity: [iamAllow('*', 'kms:*')], expect: 'ImplicitlyDenied' },
  { name: 'explicit deny in the key policy beats a direct allow', caller: 'alice', keyPolicy: [allow({ AWS: ALICE }), deny({ AWS: ALICE }, 'kms:Decrypt')], expect: 'ExplicitlyDenied' },
  { name: 'key-policy deny naming the account applies to its users', caller: 'alice', keyPolicy: [DELEGATE, deny({ AWS: ACCT }, 'kms:Decrypt')], identity: [iamAllow()], expect: 'ExplicitlyDenied' },
  { name: 'explicit deny in an identity policy beats the key policy', caller: 'alice', keyPolicy: [allow({ AWS: ALICE })], identity: [iamDeny], expect: 'ExplicitlyDenied' },
  { name: 'cross account: explicit deny in the caller\'s identity policy', caller: 'bob', keyPolicy: [allow({ AWS: OTHER })], identity: [iamAllow(), iamDeny], expect: 'ExplicitlyDenied' },
  {
    name: 'encryption-context condition satisfied', caller: 'alice', keyPolicy: [DELEGATE],
    identity: [iamAllow(KEY, 'kms:Decrypt', { Condition: { StringEquals: { 'kms:EncryptionContext:app': 'web' } } })],
    context: { 'kms:EncryptionContext:app': 'web', 'kms:EncryptionContextKeys': ['app'] }, expect: 'Allowed',
  },
  {
    name: 'encryption-context condition not satisfied', caller: 'alice', keyPolicy: [DELEGATE],
    identity: [iamAllow(KEY, 'kms:Decrypt', { Condition: { StringEquals: { 'kms:EncryptionContext:app': 'web' } } })],
    context: { 'kms:EncryptionContext:app': 'batch', 'kms:EncryptionContextKeys': ['app'] }, expect: 'ImplicitlyDenied',
  },
];

describe('classic cases against both evaluators', () => {
  for (const k of CLASSICS) {
    it(k.name, () => {
      const p: RequestPrincipal = PRINCIPALS[k.caller];
      const c: Case = {
        id: -1, caller: k.caller, action: k.action ?? 'Decrypt',
        keyPolicy: { Version: '2012-10-17', Statement: k.keyPolicy },
        identity: (k.identity ?? []).map((Statement) => ({ Version: '2012-10-17', Statement })),
        context: { 'aws:PrincipalArn': p.roleArn ?? p.arn, 'kms:CallerAccount': p.account, ...k.context },
      };
      assert.equal(ours(c), k.expect, 'ours');
      assert.equal(theirs(c), k.expect, 'iam-simulate');
    });
  }
});
