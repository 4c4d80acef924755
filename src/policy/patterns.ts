import type { ConditionContext } from './context.js';

/**
 * Wildcard (`*`, `?`) and policy-variable patterns, compiled once per policy text.
 * Variables: IAM User Guide, "IAM policy elements: Variables and tags" — `${key}`,
 * `${key, 'default'}` ("Specifying default values"), and the fixed `${*}`, `${?}`, `${$}`
 * ("Special characters"). A substituted value is always literal, never a wildcard.
 */

export type Wild = { readonly wild: '*' | '?' };
export type Variable = { readonly key: string; readonly fallback?: string };
export type Part = string | Wild | Variable;

export interface PatternOptions {
  wildcards: boolean;
  variables: boolean;
  ignoreCase: boolean;
}

export interface Pattern {
  readonly raw: string;
  /** A lone `*`: matches every value. */
  readonly any: boolean;
  /** Text to compare when there are no wildcards and no variables (lowercased if ignoreCase). */
  readonly literal?: string;
  /** `prefix*` patterns: a startsWith test (lowercased if ignoreCase). */
  readonly prefix?: string;
  /** Precompiled matcher for other wildcard patterns without variables. */
  readonly glob?: Glob;
  /** Parts of a pattern that holds variables; resolved per request. */
  readonly parts?: readonly Part[];
  readonly ignoreCase: boolean;
}

const VARIABLE_BODY = /^\s*([^\s,'{}$]+)\s*(?:,\s*'([^']*)'\s*)?$/;
const SPECIAL: Record<string, string> = { '*': '*', '?': '?', $: '$' };

export function tokenize(raw: string, o: Pick<PatternOptions, 'wildcards' | 'variables'>): Part[] {
  const parts: Part[] = [];
  let text = '';
  const flush = () => {
    if (text) parts.push(text);
    text = '';
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (o.variables && ch === '$' && raw[i + 1] === '{') {
      const end = raw.indexOf('}', i + 2);
      if (end > 0) {
        const body = raw.slice(i + 2, end);
        const m = VARIABLE_BODY.exec(body);
        if (SPECIAL[body] !== undefined) text += SPECIAL[body];
        else if (m) {
          flush();
          parts.push(m[2] === undefined ? { key: m[1].toLowerCase() } : { key: m[1].toLowerCase(), fallback: m[2] });
        } else text += raw.slice(i, end + 1);
        i = end;
        continue;
      }
    }
    if (o.wildcards && (ch === '*' || ch === '?')) {
      flush();
      parts.push({ wild: ch });
    } else text += ch;
  }
  flush();
  return parts;
}

export const isWild = (p: Part): p is Wild => typeof p === 'object' && 'wild' in p;
export const isVariable = (p: Part): p is Variable => typeof p === 'object' && 'key' in p;

export function compilePattern(raw: string, o: PatternOptions): Pattern {
  const parts = tokenize(raw, o);
  if (parts.some(isVariable)) return { raw, any: false, parts, ignoreCase: o.ignoreCase };
  return fromResolved(raw, parts as (string | Wild)[], o.ignoreCase);
}

function fromResolved(raw: string, parts: readonly (string | Wild)[], ignoreCase: boolean): Pattern {
  if (!parts.some(isWild)) {
    const text = parts.join('');
    return { raw, any: false, literal: ignoreCase ? text.toLowerCase() : text, ignoreCase };
  }
  if (parts.every((p) => isWild(p) && p.wild === '*')) return { raw, any: true, ignoreCase };
  const [head, tail] = parts;
  if (parts.length === 2 && typeof head === 'string' && isWild(tail) && tail.wild === '*') {
    return { raw, any: false, prefix: ignoreCase ? head.toLowerCase() : head, ignoreCase };
  }
  return { raw, any: false, glob: compileGlob(parts, ignoreCase), ignoreCase };
}

/**
 * Glob matching without regular expressions: policy text is semi-trusted and request values are
 * not, so matching must stay O(value × pattern) whatever the number of `*` (no backtracking blow-up).
 * Segments are the runs between `*`; in a segment, `?` (marked in `any`) matches one character.
 */
interface Segment {
  readonly text: string;
  readonly any: Uint8Array | undefined;
}
export type Glob = readonly Segment[];

export function compileGlob(parts: readonly (string | Wild)[], ignoreCase: boolean): Glob {
  const segments: Segment[] = [];
  let text = '';
  let any: number[] = [];
  const close = () => {
    segments.push({ text, any: any.includes(1) ? Uint8Array.from(any) : undefined });
    text = '';
    any = [];
  };
  for (const p of parts) {
    if (typeof p === 'string') {
      const t = ignoreCase ? p.toLowerCase() : p;
      text += t;
      for (let i = 0; i < t.length; i++) any.push(0);
    } else if (p.wild === '?') {
      text += '?';
      any.push(1);
    } else close();
  }
  close();
  return segments;
}

function matchAt(seg: Segment, value: string, pos: number): boolean {
  const { text, any } = seg;
  if (!any) return value.startsWith(text, pos);
  for (let i = 0; i < text.length; i++) {
    if (any[i] === 0 && value.charCodeAt(pos + i) !== text.charCodeAt(i)) return false;
  }
  return true;
}

function find(seg: Segment, value: string, from: number, end: number): number {
  if (!seg.any) {
    const i = value.indexOf(seg.text, from);
    return i >= 0 && i + seg.text.length <= end ? i : -1;
  }
  for (let i = from; i + seg.text.length <= end; i++) if (matchAt(seg, value, i)) return i;
  return -1;
}

/** `value` must already be lowercased when the glob was compiled with ignoreCase. */
export function matchGlob(glob: Glob, value: string): boolean {
  const first = glob[0];
  if (glob.length === 1) return value.length === first.text.length && matchAt(first, value, 0);
  const last = glob[glob.length - 1];
  const end = value.length - last.text.length;
  if (end < first.text.length || !matchAt(first, value, 0) || !matchAt(last, value, end)) return false;
  let pos = first.text.length;
  for (let i = 1; i < glob.length - 1; i++) {
    const at = find(glob[i], value, pos, end);
    if (at < 0) return false;
    pos = at + glob[i].text.length;
  }
  return true;
}

/** Substitutes variables as literal text; undefined when a variable has no value and no default. */
export function resolveParts(parts: readonly Part[], ctx: ConditionContext): (string | Wild)[] | undefined {
  const out: (string | Wild)[] = [];
  for (const p of parts) {
    if (!isVariable(p)) {
      out.push(p);
      continue;
    }
    const v = ctx.variable(p.key) ?? p.fallback;
    if (v === undefined) return undefined;
    out.push(v);
  }
  return out;
}

/**
 * Tests a value. With ignoreCase the caller may pass the value already lowercased
 * (`lowered`) to avoid repeated work. A variable with no value matches nothing
 * ("If AWS cannot resolve a variable … the statement" does not match).
 */
export function matchPattern(p: Pattern, value: string, ctx: ConditionContext, lowered?: string): boolean {
  if (p.any) return true;
  if (p.literal !== undefined) return (p.ignoreCase ? (lowered ?? value.toLowerCase()) : value) === p.literal;
  if (p.prefix !== undefined) return (p.ignoreCase ? (lowered ?? value.toLowerCase()) : value).startsWith(p.prefix);
  if (p.glob) return matchGlob(p.glob, p.ignoreCase ? (lowered ?? value.toLowerCase()) : value);
  const resolved = resolveParts(p.parts!, ctx);
  if (!resolved) return false;
  const q = fromResolved(p.raw, resolved, p.ignoreCase);
  return matchPattern(q, value, ctx, lowered);
}

/** The pattern text after variable substitution (for explanations); null when unresolvable. */
export function resolvedText(p: Pattern, ctx: ConditionContext): string | null {
  if (!p.parts) return p.raw;
  const r = resolveParts(p.parts, ctx);
  return r ? r.map((x) => (typeof x === 'string' ? x : x.wild)).join('') : null;
}

/** A list of patterns (Action, Resource…) with a fast path for exact values. */
export interface Matcher {
  readonly raw: readonly string[];
  readonly any: boolean;
  readonly exact: ReadonlySet<string>;
  readonly patterns: readonly Pattern[];
  readonly ignoreCase: boolean;
  /** Results for recent values when no pattern holds variables (bounded). */
  readonly memo?: Map<string, boolean>;
}

const MEMO_LIMIT = 256;

export function compileMatcher(values: readonly string[], o: PatternOptions): Matcher {
  const exact = new Set<string>();
  const patterns: Pattern[] = [];
  let any = false;
  for (const v of values) {
    const p = compilePattern(v, o);
    if (p.any) any = true;
    else if (p.literal !== undefined) exact.add(p.literal);
    else patterns.push(p);
  }
  const memo = patterns.length > 0 && !patterns.some((p) => p.parts) ? new Map<string, boolean>() : undefined;
  return { raw: values, any, exact, patterns, ignoreCase: o.ignoreCase, memo };
}

/** `value` must already be lowercased when the matcher ignores case. */
export function matchAny(m: Matcher, value: string, ctx: ConditionContext): boolean {
  if (m.any || m.exact.has(value)) return true;
  const known = m.memo?.get(value);
  if (known !== undefined) return known;
  let hit = false;
  for (const p of m.patterns) {
    if (matchPattern(p, value, ctx, value)) {
      hit = true;
      break;
    }
  }
  if (m.memo && m.memo.size < MEMO_LIMIT) m.memo.set(value, hit);
  return hit;
}
