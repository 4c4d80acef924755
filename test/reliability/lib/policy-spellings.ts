/**
 * Random key policies and equivalent spellings of them, for the policy-text adversarial suite.
 *
 * Equivalences used (each is a fact of the policy language, not of Locksmith):
 * - JSON: `\u` escapes of any character in any key or string, white space between tokens, member
 *   order (RFC 8259 §4, §7: an object is an unordered collection; escapes denote the same string).
 * - IAM User Guide, "IAM JSON policy elements": `Statement`, `Action`, `Resource`, principal and
 *   condition values take one value or an array of them; the order of statements and of values in
 *   an array does not change a decision.
 * - Action names are not case-sensitive ("IAM JSON policy elements: Action": "The prefix and the
 *   action name are case insensitive").
 * - Condition key names are not case-sensitive ("IAM JSON policy elements: Condition": "Condition key
 *   names are not case-sensitive").
 * - An account id principal is the account's root ARN ("AWS JSON policy elements: Principal": "The
 *   account ARN and the shortened account ID behave the same way").
 * Element names ("Effect", "Action"…), Effect values, resources and principal ARNs are case-sensitive
 * and are never re-cased. Condition operator names are not re-cased either (no AWS statement found).
 */
import type { Prng } from './prng.js';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

export interface PolicyVocabulary {
  account: string;
  keyArn: string;
  /** ARNs of IAM users that exist (key policies may only name existing principals). */
  userArns: readonly string[];
}

const ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey', 'kms:*', 'kms:Gen*', 'kms:*crypt', 'kms:ReEncrypt*'];

/** A random key policy: always one statement letting the account root administer the key. */
export function randomKeyPolicy(r: Prng, v: PolicyVocabulary): Record<string, Json> {
  const statements: Json[] = [];
  const n = r.int(1, 4);
  for (let i = 0; i < n; i++) statements.push(randomStatement(r, v));
  if (r.chance(0.5)) statements.unshift({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${v.account}:root` }, Action: 'kms:*', Resource: '*' });
  return { Version: '2012-10-17', Statement: statements };
}

function randomStatement(r: Prng, v: PolicyVocabulary): Record<string, Json> {
  const s: Record<string, Json> = { Effect: r.chance(0.4) ? 'Deny' : 'Allow' };
  const principals = [`arn:aws:iam::${v.account}:root`, ...v.userArns];
  s.Principal = r.chance(0.2) ? '*' : { AWS: someOf(r, principals, 2) };
  s[r.chance(0.15) ? 'NotAction' : 'Action'] = someOf(r, ACTIONS, 3);
  s.Resource = r.chance(0.8) ? '*' : v.keyArn;
  if (r.chance(0.7)) s.Condition = randomCondition(r);
  return s;
}

function randomCondition(r: Prng): Record<string, Json> {
  const c: Record<string, Record<string, Json>> = {};
  const add = (op: string, key: string, values: Json[]) => ((c[op] ??= {})[key] = values.length === 1 && r.chance(0.5) ? values[0] : values);
  const n = r.int(1, 2);
  for (let i = 0; i < n; i++) {
    switch (r.int(0, 6)) {
      case 0: add(r.pick(['StringEquals', 'StringNotEquals']), 'kms:EncryptionContext:tenant', someOf(r, ['a', 'b', 'c'], 2)); break;
      case 1: add(r.pick(['StringEquals', 'StringLike', 'StringNotEquals']), 'aws:ResourceTag/env', someOf(r, ['prod', 'dev', 'p*'], 2)); break;
      case 2: add(r.pick(['ForAnyValue:StringEquals', 'ForAllValues:StringLike', 'ForAnyValue:StringNotLike']), 'kms:ResourceAliases', someOf(r, ['alias/blue', 'alias/red', 'alias/b*'], 2)); break;
      case 3: add('StringEquals', 'aws:RequestedRegion', someOf(r, ['us-east-1', 'eu-west-1'], 1)); break;
      case 4: add(r.pick(['ArnEquals', 'ArnLike']), 'aws:PrincipalArn', someOf(r, ['arn:aws:iam::*:user/*', 'arn:aws:iam::*:root'], 1)); break;
      case 5: add('Null', 'aws:ResourceTag/env', [r.pick(['true', 'false'])]); break;
      default: add('StringEquals', 'kms:EncryptionContext:tenant', ['${aws:ResourceTag/env}']); break;
    }
  }
  return c;
}

function someOf<T>(r: Prng, items: readonly T[], max: number): T[] {
  const n = r.int(1, Math.min(max, items.length));
  const pool = [...items];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(pool.splice(r.int(0, pool.length - 1), 1)[0]);
  return out;
}

// ---- equivalent spellings --------------------------------------------------------------------

/** Another text of the same policy: every transformation below preserves its meaning. */
export function respell(r: Prng, policy: Record<string, Json>, account: string): string {
  return serialize(r, transform(r, policy, [], account, false), 0);
}

function transform(r: Prng, value: Json, path: readonly string[], account: string, inArray: boolean): Json {
  const parent = path[path.length - 1];
  if (Array.isArray(value)) {
    let items = value.map((v) => transform(r, v, path, account, true));
    if (r.chance(0.6)) items = shuffle(r, items);
    // One value or a one-element array mean the same (Statement, Action, Resource, principals, condition values).
    if (items.length === 1 && r.chance(0.5)) return items[0];
    return items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, v] of Object.entries(value)) {
      let key = k;
      // Condition keys are the members of an operator block: path [..., 'Condition', operator].
      if (path[path.length - 2] === 'Condition' && r.chance(0.5)) key = recase(r, k);
      out[key] = transform(r, v, [...path, k], account, false);
    }
    return out;
  }
  if (typeof value === 'string') {
    if ((parent === 'Action' || parent === 'NotAction') && r.chance(0.5)) return recase(r, value);
    if (parent === 'AWS' && value === `arn:aws:iam::${account}:root` && r.chance(0.5)) return account;
    if (parent === 'AWS' && value === account && r.chance(0.5)) return `arn:aws:iam::${account}:root`;
    // A single value may become a one-element array.
    if (!inArray && ['Action', 'NotAction', 'Resource', 'AWS'].includes(parent ?? '') && r.chance(0.3)) return [value];
  }
  return value;
}

const recase = (r: Prng, s: string) => [...s].map((c) => (r.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');

function shuffle<T>(r: Prng, items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

const WS = [' ', '\n', '\t', '\r\n', '  '];
const space = (r: Prng) => (r.chance(0.3) ? r.pick(WS) : '');

/** JSON text with random escapes, white space and member order. */
function serialize(r: Prng, value: Json, depth: number): string {
  if (Array.isArray(value)) return `[${space(r)}${value.map((v) => serialize(r, v, depth + 1)).join(`${space(r)},${space(r)}`)}${space(r)}]`;
  if (value !== null && typeof value === 'object') {
    const entries = shuffle(r, Object.entries(value));
    const members = entries.map(([k, v]) => `${space(r)}${quote(r, k)}${space(r)}:${space(r)}${serialize(r, v, depth + 1)}`);
    return `{${members.join(',')}${space(r)}}`;
  }
  if (typeof value === 'string') return quote(r, value);
  return JSON.stringify(value);
}

/** A JSON string literal with some characters written as `\uXXXX` (hex digits in either case). */
function quote(r: Prng, s: string): string {
  const p = r.chance(0.5) ? 0.3 : 0;
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code > 0xffff || !r.chance(p)) {
      out += JSON.stringify(ch).slice(1, -1);
      continue;
    }
    const hex = code.toString(16).padStart(4, '0');
    out += `\\u${r.chance(0.5) ? hex.toUpperCase() : hex}`;
  }
  return out + '"';
}
