/**
 * Canonical JSON (the JSON Canonicalization Scheme, RFC 8785, for the values audit records hold:
 * strings, finite numbers, booleans, null, arrays and objects): object members sorted by their
 * UTF-16 code units, no whitespace, ECMAScript number and string serialization. Undefined members
 * are left out, as JSON.stringify does. The audit hash chain hashes exactly this text.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonical JSON has no representation for non-finite numbers');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** Sets an own enumerable property, even for names like `__proto__` that come from requests. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
