import { BlockList, isIP } from 'node:net';
import { MalformedPolicyDocumentException } from '../errors/aws-error.js';
import { contextStrings, type ConditionContext } from './context.js';
import { compileGlob, compilePattern, matchGlob, matchPattern, resolveParts, tokenize, type Glob, type Part, type Pattern } from './patterns.js';

/**
 * Condition operators (IAM User Guide, "IAM JSON policy elements: Condition operators" and
 * "Creating a condition with multiple keys or values"). Within one operator the keys are ANDed and
 * the values of one key ORed (NOR for negated operators). A missing key makes a condition false,
 * except for negated operators (true), `…IfExists` (true), `ForAllValues:` (true) and `Null`.
 */

type Family = 'string' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn' | 'null';
type Cmp = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';
interface OpInfo {
  readonly name: string;
  readonly family: Family;
  readonly negated: boolean;
  readonly cmp: Cmp;
  readonly like: boolean;
  readonly ignoreCase: boolean;
}

const OPERATORS = new Map<string, OpInfo>();
function op(name: string, family: Family, extra: Partial<Omit<OpInfo, 'name' | 'family'>> = {}) {
  OPERATORS.set(name.toLowerCase(), { name, family, negated: false, cmp: 'eq', like: false, ignoreCase: false, ...extra });
}
op('StringEquals', 'string');
op('StringNotEquals', 'string', { negated: true });
op('StringEqualsIgnoreCase', 'string', { ignoreCase: true });
op('StringNotEqualsIgnoreCase', 'string', { ignoreCase: true, negated: true });
op('StringLike', 'string', { like: true });
op('StringNotLike', 'string', { like: true, negated: true });
for (const f of ['Numeric', 'Date'] as const) {
  const family = f === 'Numeric' ? 'numeric' : 'date';
  op(`${f}Equals`, family);
  op(`${f}NotEquals`, family, { negated: true });
  op(`${f}LessThan`, family, { cmp: 'lt' });
  op(`${f}LessThanEquals`, family, { cmp: 'lte' });
  op(`${f}GreaterThan`, family, { cmp: 'gt' });
  op(`${f}GreaterThanEquals`, family, { cmp: 'gte' });
}
op('Bool', 'bool');
op('BinaryEquals', 'binary');
op('IpAddress', 'ip');
op('NotIpAddress', 'ip', { negated: true });
// "ArnEquals and ArnLike behave identically", likewise the negated pair.
op('ArnEquals', 'arn', { like: true });
op('ArnLike', 'arn', { like: true });
op('ArnNotEquals', 'arn', { like: true, negated: true });
op('ArnNotLike', 'arn', { like: true, negated: true });
op('Null', 'null');

export type SetOperator = 'ForAnyValue' | 'ForAllValues';

export interface CompiledCondition {
  /** Operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly operator: string;
  readonly base: string;
  readonly set: SetOperator | undefined;
  readonly ifExists: boolean;
  readonly negated: boolean;
  /** Key as written; lookups use keyLower. */
  readonly key: string;
  readonly keyLower: string;
  /** Policy values as written (stringified). */
  readonly expected: readonly string[];
  /** Policy values compiled to patterns (string, bool and ARN families, for explanations). */
  readonly patterns?: readonly Pattern[];
  /** Positive single-value test: does request value `v` match any policy value? */
  readonly test: (v: string, ctx: ConditionContext) => boolean;
  /** Null operator: the accepted "key is absent" answers. */
  readonly nullExpect?: readonly boolean[];
}

const malformed = (m = 'Syntax errors in policy.') => MalformedPolicyDocumentException(m);

/** Compiles one `Condition` block. `variables`: the policy is Version 2012-10-17. */
export function compileConditions(block: unknown, variables: boolean): CompiledCondition[] {
  if (!isPlainObject(block)) throw malformed();
  const out: CompiledCondition[] = [];
  for (const [operator, keys] of Object.entries(block)) {
    const parsed = parseOperator(operator);
    if (!isPlainObject(keys)) throw malformed();
    for (const [key, value] of Object.entries(keys)) {
      const values = Array.isArray(value) ? value : [value];
      if (!values.every((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) throw malformed();
      if (key.length === 0) throw malformed();
      const expected = values.map(String);
      out.push({ operator, key, keyLower: key.toLowerCase(), expected, ...parsed, ...compileTest(parsed.info, expected, variables) });
    }
  }
  return out;
}

function parseOperator(operator: string) {
  let rest = operator;
  let set: SetOperator | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === 'foranyvalue') set = 'ForAnyValue';
    else if (prefix === 'forallvalues') set = 'ForAllValues';
    else throw malformed(`Invalid Condition type : ${operator}`);
    rest = rest.slice(colon + 1);
  }
  const ifExists = rest.length > 8 && rest.toLowerCase().endsWith('ifexists');
  if (ifExists) rest = rest.slice(0, -8);
  const info = OPERATORS.get(rest.toLowerCase());
  // "You can add IfExists to the end of any condition operator name except the Null condition."
  if (!info || (info.family === 'null' && (ifExists || set))) throw malformed(`Invalid Condition type : ${operator}`);
  return { info, base: info.name, set, ifExists, negated: info.negated };
}

function compileTest(info: OpInfo, expected: string[], variables: boolean): Pick<CompiledCondition, 'test' | 'patterns' | 'nullExpect'> {
  switch (info.family) {
    case 'string':
    case 'bool': {
      // Bool compares "true"/"false" case-insensitively; variables are allowed in string, Bool and ARN values.
      const ignoreCase = info.ignoreCase || info.family === 'bool';
      const patterns = expected.map((e) => compilePattern(e, { wildcards: info.like, variables, ignoreCase }));
      const literals = patterns.every((p) => p.literal !== undefined) ? new Set(patterns.map((p) => p.literal!)) : undefined;
      if (literals) return { patterns, test: ignoreCase ? (v) => literals.has(v.toLowerCase()) : (v) => literals.has(v) };
      return { patterns, test: (v, ctx) => patterns.some((p) => matchPattern(p, v, ctx)) };
    }
    case 'numeric': {
      const nums = expected.map((e) => {
        const n = parseNumber(e);
        if (n === undefined) throw malformed();
        return n;
      });
      return { test: (v) => compareAny(nums, parseNumber(v), info.cmp) };
    }
    case 'date': {
      const dates = expected.map((e) => {
        const d = parseDate(e);
        if (d === undefined) throw malformed();
        return d;
      });
      return { test: (v) => compareAny(dates, parseDate(v), info.cmp) };
    }
    case 'binary': {
      if (!expected.every((e) => BASE64.test(e))) throw malformed();
      const bufs = expected.map((e) => Buffer.from(e, 'base64'));
      return { test: (v) => BASE64.test(v) && bufs.some((b) => b.equals(Buffer.from(v, 'base64'))) };
    }
    case 'ip': {
      const list = new BlockList();
      for (const e of expected) addCidr(list, e);
      return { test: (v) => matchIp(list, v) };
    }
    case 'arn': {
      const arns = expected.map((e) => compileArn(e, variables));
      const patterns = expected.map((e) => compilePattern(e, { wildcards: true, variables, ignoreCase: false }));
      return { patterns, test: (v, ctx) => arns.some((a) => matchArn(a, v, ctx)) };
    }
    case 'null': {
      const nullExpect = expected.map((e) => {
        const l = e.toLowerCase();
        if (l !== 'true' && l !== 'false') throw malformed();
        return l === 'true';
      });
      return { nullExpect, test: () => false };
    }
  }
}

const isAbsent = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);

/** Evaluates one condition against the request context. */
export function evaluateCondition(c: CompiledCondition, ctx: ConditionContext): boolean {
  const raw = ctx.get(c.keyLower, c.key);
  if (c.nullExpect) return c.nullExpect.includes(isAbsent(raw));
  if (c.set === undefined) {
    if (raw === undefined || isAbsent(raw)) return c.ifExists || c.negated;
    // Multivalued keys need a set operator ("Single-valued vs. multivalued context keys"): a plain
    // operator, negated or not, never matches a list (as AWS evaluates it; iam-simulate agrees).
    if (Array.isArray(raw)) return false;
    const match = c.test(typeof raw === 'string' ? raw : contextStrings(raw)[0], ctx);
    return c.negated ? !match : match;
  }
  // "If the key values in the request resolve to an empty data set (for example, an empty
  // string), ForAllValues returns true, and ForAnyValue returns false."
  // ForAnyValue is false for a key absent from the request, IfExists or not (same IAM page).
  if (raw === undefined || isAbsent(raw)) return c.set === 'ForAllValues';
  const values = contextStrings(raw).filter((v) => v !== '');
  if (values.length === 0) return c.set === 'ForAllValues';
  const one = (v: string) => (c.negated ? !c.test(v, ctx) : c.test(v, ctx));
  return c.set === 'ForAllValues' ? values.every(one) : values.some(one);
}

export function evaluateConditions(conditions: readonly CompiledCondition[], ctx: ConditionContext): boolean {
  for (const c of conditions) if (!evaluateCondition(c, ctx)) return false;
  return true;
}

// ---- value parsing -------------------------------------------------------------------------

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
function parseNumber(s: string): number | undefined {
  return NUMBER.test(s.trim()) ? Number(s) : undefined;
}

// W3C profile of ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD, with hh:mm[:ss[.s]] and a zone), or epoch seconds.
const ISO = /^\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;
const EPOCH = /^-?\d+(?:\.\d+)?$/;
export function parseDate(s: string): number | undefined {
  const t = s.trim();
  if (EPOCH.test(t) && !/^\d{4}$/.test(t)) return Number(t) * 1000;
  const m = ISO.exec(t);
  if (!m) return undefined;
  const ms = Date.parse(t.includes('T') && m[1] === undefined ? `${t}Z` : t);
  return Number.isNaN(ms) ? undefined : ms;
}

function compareAny(policy: readonly number[], v: number | undefined, cmp: Cmp): boolean {
  if (v === undefined) return false;
  for (const p of policy) {
    if (cmp === 'eq' ? v === p : cmp === 'lt' ? v < p : cmp === 'lte' ? v <= p : cmp === 'gt' ? v > p : v >= p) return true;
  }
  return false;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// "If you specify an IP address without the associated routing prefix, IAM uses … /32" (/128 for IPv6).
function addCidr(list: BlockList, cidr: string): void {
  const [addr, prefix, extra] = cidr.trim().split('/');
  const family = isIP(addr);
  const bits = prefix === undefined ? (family === 6 ? 128 : 32) : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  if (family === 0 || extra !== undefined || !(bits >= 0 && bits <= (family === 6 ? 128 : 32))) throw malformed();
  list.addSubnet(addr, bits, family === 6 ? 'ipv6' : 'ipv4');
}

function matchIp(list: BlockList, v: string): boolean {
  const family = isIP(v);
  return family !== 0 && list.check(v, family === 6 ? 'ipv6' : 'ipv4');
}

// ---- ARN operators: each of the six colon-delimited components is matched separately -----------

type ArnPattern = { readonly parts?: readonly Part[]; readonly components?: readonly Glob[] };

function compileArn(raw: string, variables: boolean): ArnPattern {
  const parts = tokenize(raw, { wildcards: true, variables });
  if (parts.some((p) => typeof p === 'object' && 'key' in p)) return { parts };
  return { components: arnComponents(parts as (string | { wild: '*' | '?' })[]) };
}

function arnComponents(parts: readonly (string | { wild: '*' | '?' })[]): Glob[] {
  const comps: (string | { wild: '*' | '?' })[][] = [[]];
  for (const p of parts) {
    if (typeof p !== 'string') {
      comps[comps.length - 1].push(p);
      continue;
    }
    const pieces = p.split(':');
    pieces.forEach((piece, i) => {
      if (i > 0) {
        if (comps.length < 6) comps.push([]);
        else comps[5].push(':');
      }
      if (piece) comps[comps.length - 1].push(piece);
    });
  }
  return comps.map((c) => compileGlob(c, false));
}

function splitArn(v: string): string[] | undefined {
  const parts = v.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function matchArn(a: ArnPattern, v: string, ctx: ConditionContext): boolean {
  let components = a.components;
  if (!components) {
    const resolved = resolveParts(a.parts!, ctx);
    if (!resolved) return false;
    components = arnComponents(resolved);
  }
  // A value that is not six components (e.g. a lone "*") is matched against the whole string.
  if (components.length < 6) return components.length === 1 && matchGlob(components[0], v);
  const got = splitArn(v);
  return got !== undefined && components.every((g, i) => matchGlob(g, got[i]));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
