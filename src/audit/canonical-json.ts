/**
 * Canonical JSON (the JSON Canonicalization Scheme, RFC 8785, for the values audit records hold:
 * strings, finite numbers, booleans, null, arrays and objects): object members sorted by their
 * UTF-16 code units, no whitespace, ECMAScript number and string serialization. Undefined members
 * are left out, as JSON.stringify does. The audit hash chain hashes exactly this text.
 *
 * Plain data is handed to JSON.stringify with its members put in order (copies of the objects
 * that are not): native serialization writes a record in about half the time of walking it in
 * JavaScript (bench/README.md, fourteenth pass). Values it would write differently (a
 * Date, a non-finite number, an array hole, a name like "10" that objects enumerate first) take
 * the walk, whose children try the native way again.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const ordered = inCanonicalOrder(value);
  return ordered === NOT_PLAIN ? walk(value) : JSON.stringify(ordered);
}

const NOT_PLAIN = Symbol('not plain data');

/**
 * `value` if JSON.stringify writes it canonically; else a copy with every object's members in
 * order if that is all that differs; else NOT_PLAIN. Plain data: strings, booleans, null, finite
 * numbers, arrays without holes, objects whose prototype is Object.prototype or null. Member order
 * is the order JSON.stringify takes (Object.keys: integer-like names first, which a copy cannot
 * change, so an object out of order with a name starting with a digit is NOT_PLAIN).
 */
function inCanonicalOrder(value: unknown): unknown {
  if (typeof value !== 'object') {
    return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) ? value : NOT_PLAIN;
  }
  if (value === null) return value;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return NOT_PLAIN;
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return NOT_PLAIN;
      const v = value[i];
      const c = v === undefined ? v : inCanonicalOrder(v); // undefined in an array: null, either way
      if (c === NOT_PLAIN) return NOT_PLAIN;
      if (c !== v) (copy ??= value.slice())[i] = c;
    }
    return copy ?? value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o);
  let inOrder = true;
  let children: unknown[] | undefined;
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && keys[i - 1]! > keys[i]!) inOrder = false;
    const v = o[keys[i]!];
    const c = v === undefined ? v : inCanonicalOrder(v);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    if (c !== v) (children ??= keys.map((k) => o[k]))[i] = c;
  }
  if (inOrder && !children) return value;
  const order = keys.map((_, i) => i);
  if (!inOrder) {
    for (const k of keys) if (k.charCodeAt(0) <= 0x39 && k.charCodeAt(0) >= 0x30) return NOT_PLAIN;
    order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1)); // names are unique
  }
  const copy: Record<string, unknown> = {};
  for (const i of order) setOwn(copy, keys[i]!, children ? children[i] : o[keys[i]!]);
  return copy;
}

/** The canonical JSON of a value JSON.stringify would not write as it is: member by member. */
function walk(value: unknown): string {
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
