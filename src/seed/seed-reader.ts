/**
 * Small typed readers for untrusted seed data. Each records a problem under the path of the
 * value it concerns (`accounts[0].keys[1].material`) and returns undefined instead of throwing,
 * so one pass reports every problem in the file.
 */

export interface SeedIssue {
  path: string;
  message: string;
}

/** An invalid seed file; `issues` lists every problem found, each under its path. */
export class SeedError extends Error {
  constructor(
    readonly issues: SeedIssue[],
    source?: string,
    heading = 'invalid seed',
  ) {
    const lines = issues.map((i) => `  ${i.path}: ${i.message}`);
    super(`${heading}${source ? ` file ${source}` : ''}:\n${lines.join('\n')}`);
    this.name = 'SeedError';
  }
}

/** A valid seed that contradicts what the store holds (e.g. different key material); nothing was written. */
export class SeedConflictError extends SeedError {
  constructor(issues: SeedIssue[]) {
    super(issues, undefined, 'seed conflicts with stored data');
    this.name = 'SeedConflictError';
  }
}

export class Issues {
  readonly list: SeedIssue[] = [];
  add(path: string, message: string): undefined {
    this.list.push({ path: path || '(top level)', message });
    return undefined;
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `parent.field`, or `parent["odd key"]` for keys that are not plain identifiers. */
export function field(parent: string, name: string): string {
  if (IDENTIFIER.test(name)) return parent ? `${parent}.${name}` : name;
  return `${parent}[${JSON.stringify(name)}]`;
}

export const item = (parent: string, index: number) => `${parent}[${index}]`;

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** A mapping with only the given fields; unknown fields (usually typos) are problems. */
export function mapping(issues: Issues, v: unknown, path: string, fields: readonly string[]): Record<string, unknown> | undefined {
  if (!isMapping(v)) return issues.add(path, 'must be a mapping');
  for (const k of Object.keys(v)) {
    if (!fields.includes(k)) issues.add(field(path, k), `unknown field (expected one of: ${fields.join(', ')})`);
  }
  return v;
}

/** A list; absent means empty. */
export function list(issues: Issues, v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    issues.add(path, 'must be a list');
    return [];
  }
  return v;
}

export interface StringRule {
  /** Default true. */
  required?: boolean;
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** What the pattern means, for the message. */
  expected?: string;
}

export function string(issues: Issues, v: unknown, path: string, rule: StringRule = {}): string | undefined {
  if (v === undefined || v === null) return rule.required === false ? undefined : issues.add(path, 'is required');
  if (typeof v !== 'string') {
    const hint = typeof v === 'number' || typeof v === 'boolean' ? ' (quote it in YAML)' : '';
    return issues.add(path, `must be a string${hint}`);
  }
  const min = rule.min ?? 1;
  if (v.length < min) return issues.add(path, min === 1 ? 'must not be empty' : `must be at least ${min} characters`);
  if (rule.max !== undefined && v.length > rule.max) return issues.add(path, `must be at most ${rule.max} characters`);
  if (rule.pattern && !rule.pattern.test(v)) return issues.add(path, `must be ${rule.expected ?? `a string matching ${rule.pattern}`}`);
  return v;
}

export function integer(issues: Issues, v: unknown, path: string, min: number, max: number): number | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    return issues.add(path, `must be an integer from ${min} to ${max}`);
  }
  return v;
}

/** A mapping of string to string (tags, encryption contexts). */
export function stringMap(issues: Issues, v: unknown, path: string, key: StringRule, value: StringRule): Record<string, string> | undefined {
  if (v === undefined || v === null) return {};
  if (!isMapping(v)) return issues.add(path, 'must be a mapping of strings to strings');
  const out: Record<string, string> = {};
  for (const [k, raw] of Object.entries(v)) {
    const p = field(path, k);
    if (string(issues, k, p, key) === undefined) continue;
    const s = string(issues, raw, p, value);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/** A value read from the file and where it was. */
export interface Occurrence {
  value: string | undefined;
  path: string;
}

/** Reports every value that occurs more than once, at the path of its later occurrence. */
export function unique(issues: Issues, entries: Occurrence[], what: string): void {
  const seen = new Map<string, string>();
  for (const { value, path } of entries) {
    if (value === undefined) continue;
    const first = seen.get(value);
    if (first !== undefined) issues.add(path, `duplicate ${what} '${value}' (first at ${first})`);
    else seen.set(value, path);
  }
}
