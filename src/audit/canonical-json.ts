/**
 * Canonical JSON (the JSON Canonicalization Scheme, RFC 8785, for the values audit records hold:
 * strings, finite numbers, booleans, null, arrays and objects): object members sorted by their
 * UTF-16 code units, no whitespace, ECMAScript number and string serialization. Undefined members
 * are left out, as JSON.stringify does. The audit hash chain hashes exactly this text.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value !== 'object') {
    if (typeof value === 'string') return jsonString(value);
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonical JSON has no representation for non-finite numbers');
    return JSON.stringify(value);
  }
  // Written with string appends (no map/filter/join arrays): this runs for every audit record.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      if (i in value) out += canonicalJson(value[i]) ?? ''; // as Array.prototype.join writes holes
    }
    return out + ']';
  }
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  // String comparison and the default sort both order by UTF-16 code units; sort only when needed.
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += jsonString(k) + ':' + canonicalJson(v);
  }
  return out + '}';
}

/** Characters JSON.stringify escapes: quote, backslash, controls, and (lone) surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a string, without calling it for the usual text that needs no escapes. */
const jsonString = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"');

/** Sets an own enumerable property, even for names like `__proto__` that come from requests. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Only `__proto__` is special on plain objects (Object.prototype's accessor); any other name
  // assigned to a plain object becomes the same own data property defineProperty makes.
  if (key !== '__proto__') target[key] = value;
  else Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
