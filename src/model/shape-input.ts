/**
 * awsJson1.1 request input: type-check and deserialize against the KMS model, then check
 * the model's constraints the way AWS's Coral framework reports them (ValidationException
 * "N validation error(s) detected: Value '<v>' at '<path>' failed to satisfy constraint: ...").
 * Texts: research/kms-errors.md §1 and §3 (kinesalite, LocalStack snapshots of real AWS).
 */
import { SerializationException, ValidationException } from '../errors/aws-error.js';
import { operationInfo, shape, type Shape } from './kms-model.js';
import { SECRET_MEMBERS } from './secret-members.js';

/** kinesalite (verified against Coral) stops collecting after 10 errors. */
const MAX_ERRORS = 10;
const NUMBER_CLASS = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';
const JAVA_TYPE: Record<string, string> = {
  string: 'an String', integer: 'an Integer', long: 'an Long', float: 'an Float',
  double: 'an Double', boolean: 'an Boolean', blob: 'a Blob', timestamp: 'a Timestamp',
};
const INT_RANGE: Record<string, number> = { integer: 2 ** 31 - 1, long: Number.MAX_SAFE_INTEGER };

/**
 * Validates and deserializes the parsed JSON body of `operation`. Returns a new object with
 * only modelled members; blobs become Buffers, timestamps Dates, JSON null means absent.
 */
export function readInput(operation: string, body: unknown): Record<string, unknown> {
  const info = operationInfo(operation);
  // An empty or non-object body is a SerializationException (kinesalite, real Kinesis).
  if (body === undefined || body === null) throw SerializationException();
  if (typeof body !== 'object' || Array.isArray(body)) throw structureTypeError(body);
  if (!info.input) return {};
  const input = shape(info.input);
  const value = deserialize(body, input, false) as Record<string, unknown>;
  const errors: string[] = [];
  checkStructure(value, input, '', errors);
  if (errors.length > 0) throw ValidationException(validationMessage(errors));
  return value;
}

/** AWS's multi-error format: singular "error" for one, "errors" otherwise; joined by "; ". */
export function validationMessage(errors: readonly string[]): string {
  const n = errors.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${errors.join('; ')}`;
}

/** A structure's members with their shapes, in model order (the model never changes: a pure memo). */
type Member = readonly [name: string, shape: Shape];
const memberLists = new WeakMap<Shape, readonly Member[]>();

function membersOf(s: Shape): readonly Member[] {
  let list = memberLists.get(s);
  if (!list) {
    list = Object.entries(s.members ?? {}).map(([name, ref]) => [name, shape(ref.shape)] as const);
    memberLists.set(s, list);
  }
  return list;
}

// ---- phase 1: types and deserialization (first error wins) ----

function deserialize(value: unknown, s: Shape, sensitive: boolean): unknown {
  switch (s.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw structureTypeError(value);
      const src = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, ms] of membersOf(s)) {
        if (!Object.prototype.hasOwnProperty.call(src, name)) continue;
        const v = src[name];
        if (v === null || v === undefined) continue;
        out[name] = deserialize(v, ms, ms.sensitive === true);
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(value)) {
        throw SerializationException(isObject(value) ? 'Start of structure or map found where not expected.' : 'Expected list or null');
      }
      const ms = shape(s.member!.shape);
      return value.filter((v) => v !== null).map((v) => deserialize(v, ms, ms.sensitive === true));
    }
    case 'map': {
      if (Array.isArray(value)) throw SerializationException('Start of list found where not expected');
      if (!isObject(value)) throw SerializationException('Expected map or null');
      const vs = shape(s.value!.shape);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === null) continue;
        // defineProperty: a "__proto__" key must stay plain data.
        Object.defineProperty(out, k, { value: deserialize(v, vs, vs.sensitive === true), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'string':
      if (typeof value !== 'string') throw scalarTypeError(value, s.type);
      return value;
    case 'boolean':
      if (typeof value === 'string') throw SerializationException(`'${value.toUpperCase()}' can not be converted to an Boolean`);
      if (typeof value !== 'boolean') throw scalarTypeError(value, s.type);
      return value;
    case 'integer':
    case 'long':
      if (typeof value !== 'number') throw scalarTypeError(value, s.type);
      // Decision: non-integral or out-of-range numbers are rejected rather than truncated.
      if (!Number.isInteger(value) || Math.abs(value) > INT_RANGE[s.type]!) {
        throw SerializationException(`'${value}' can not be converted to ${JAVA_TYPE[s.type]}`);
      }
      return value;
    case 'float':
    case 'double':
      if (typeof value !== 'number') throw scalarTypeError(value, s.type);
      return value;
    case 'blob':
      if (typeof value !== 'string') throw scalarTypeError(value, s.type);
      return decodeBase64(value, sensitive);
    case 'timestamp': {
      // awsJson1.1 timestamps are epoch seconds (fraction allowed).
      if (typeof value !== 'number') throw scalarTypeError(value, s.type);
      const d = new Date(value * 1000);
      if (Number.isNaN(d.getTime())) throw SerializationException(`'${value}' can not be converted to a Timestamp`);
      return d;
    }
    default:
      throw new Error(`unsupported shape type ${String(s.type)}`);
  }
}

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

function structureTypeError(value: unknown) {
  return SerializationException(Array.isArray(value) ? 'Start of list found where not expected' : 'Expected null');
}

function scalarTypeError(value: unknown, type: string) {
  if (Array.isArray(value)) return SerializationException('Start of list found where not expected');
  if (typeof value === 'object') return SerializationException('Start of structure or map found where not expected.');
  const cls = typeof value === 'number' ? NUMBER_CLASS : typeof value === 'boolean' ? 'class java.lang.Boolean' : 'class java.lang.String';
  return SerializationException(`${cls} can not be converted to ${JAVA_TYPE[type]}`);
}

/** Strict base64 (standard alphabet, padded, canonical), with Coral's error texts. */
function decodeBase64(text: string, sensitive: boolean): Buffer {
  const fail = (why: string) =>
    SerializationException(`${sensitive ? 'Value' : `'${text}'`} can not be converted to a Blob: ${why}`);
  if (text.length % 4 !== 0) throw fail(`Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`);
  const bad = /[^A-Za-z0-9+/=]|=[^=]/.exec(text);
  if (bad) throw fail(`Invalid Base64 character: '${bad[0][0]}'`);
  const buf = Buffer.from(text, 'base64');
  if (buf.toString('base64') !== text) throw fail('Invalid last non-pad Base64 character dectected');
  return buf;
}

// ---- phase 2: constraints (all errors, member order, depth-first) ----

function checkStructure(value: Record<string, unknown>, s: Shape, path: string, errors: string[]): void {
  const required = s.required ?? [];
  for (const [name, ms] of membersOf(s)) {
    const v = value[name];
    if (v === undefined && !required.includes(name)) continue;
    const p = (path ? `${path}.` : '') + name.charAt(0).toLowerCase() + name.slice(1);
    if (v === undefined) {
      report(errors, p, undefined, ms, 'Member must not be null');
      continue;
    }
    checkValue(v, ms, p, errors, SECRET_MEMBERS.has(name));
  }
}

/** `secret`: the value is (or is inside) a secret member (SECRET_MEMBERS): never shown in the message. */
function checkValue(v: unknown, s: Shape, path: string, errors: string[], secret = false): void {
  for (const failure of failedConstraints(v, s)) report(errors, path, v, s, failure, secret);
  if (s.type === 'structure') {
    checkStructure(v as Record<string, unknown>, s, path, errors);
  } else if (s.type === 'list') {
    const ms = shape(s.member!.shape);
    const items = v as unknown[];
    if (isScalar(ms)) {
      // Coral reports scalar list members once, on the list, listing all member constraints.
      if (items.some((item) => failedConstraints(item, ms).length > 0)) {
        report(errors, path, v, s, `Member must satisfy constraint: [${allConstraints(ms).join(', ')}]`, secret);
      }
    } else {
      items.forEach((item, i) => checkValue(item, ms, `${path}.${i + 1}.member`, errors, secret));
    }
  } else if (s.type === 'map') {
    const entries = Object.entries(v as Record<string, unknown>);
    const ks = shape(s.key!.shape);
    const vs = shape(s.value!.shape);
    if (entries.some(([k]) => failedConstraints(k, ks).length > 0)) {
      report(errors, path, v, s, `Map keys must satisfy constraint: [${allConstraints(ks).join(', ')}]`, secret);
    }
    if (isScalar(vs)) {
      if (entries.some(([, x]) => failedConstraints(x, vs).length > 0)) {
        report(errors, path, v, s, `Map value must satisfy constraint: [${allConstraints(vs).join(', ')}]`, secret);
      }
    } else {
      // Map path form `<map>.<key>.member` (kinesalite; DynamoDB's 'requestItems.<table>.member.keys').
      for (const [k, x] of entries) checkValue(x, vs, `${path}.${k}.member`, errors, secret);
    }
  }
}

const isScalar = (s: Shape) => s.type !== 'structure' && s.type !== 'list' && s.type !== 'map';

const lengthText = (op: 'greater' | 'less', n: number) => `Member must have length ${op} than or equal to ${n}`;
const valueText = (op: 'greater' | 'less', n: number) => `Member must have value ${op} than or equal to ${n}`;
const enumText = (values: readonly string[]) => `Member must satisfy enum value set: [${values.join(', ')}]`;
const patternText = (pattern: string) => `Member must satisfy regular expression pattern: ${pattern}`;

/** The constraints `v` breaks, in the order Locksmith reports them: length/range, enum, pattern. */
function failedConstraints(v: unknown, s: Shape): string[] {
  const out: string[] = [];
  if (s.type === 'integer' || s.type === 'long' || s.type === 'float' || s.type === 'double') {
    const n = v as number;
    if (s.min !== undefined && n < s.min) out.push(valueText('greater', s.min));
    if (s.max !== undefined && n > s.max) out.push(valueText('less', s.max));
    return out;
  }
  const len = measure(v, s);
  if (len !== undefined) {
    if (s.min !== undefined && len < s.min) out.push(lengthText('greater', s.min));
    if (s.max !== undefined && len > s.max) out.push(lengthText('less', s.max));
  }
  if (s.type === 'string') {
    if (s.enum && !s.enum.includes(v as string)) out.push(enumText(s.enum));
    if (s.pattern !== undefined && !compilePattern(s.pattern).test(v as string)) out.push(patternText(s.pattern));
  }
  return out;
}

/** Every constraint of a member shape, as Coral lists them (max, min, pattern, enum). */
function allConstraints(s: Shape): string[] {
  const numeric = s.type !== 'string' && s.type !== 'blob';
  const out: string[] = [];
  if (s.max !== undefined) out.push(numeric ? valueText('less', s.max) : lengthText('less', s.max));
  if (s.min !== undefined) out.push(numeric ? valueText('greater', s.min) : lengthText('greater', s.min));
  if (s.pattern !== undefined) out.push(patternText(s.pattern));
  if (s.enum) out.push(enumText(s.enum));
  return out;
}

/** Length as the model means it: code points for strings, bytes for blobs, entries for lists/maps. */
function measure(v: unknown, s: Shape): number | undefined {
  switch (s.type) {
    case 'string': return codePointLength(v as string);
    case 'blob': return (v as Buffer).length;
    case 'list': return (v as unknown[]).length;
    case 'map': return Object.keys(v as object).length;
    default: return undefined;
  }
}

function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { n--; i++; }
    }
  }
  return n;
}

const patternCache = new Map<string, RegExp>();

/**
 * Compiles a model (Java) regex with Java's Matcher.matches() semantics: anchored full match,
 * code points (`u`). Java's `\s` is ASCII whitespace only, unlike JavaScript's.
 */
export function compilePattern(javaPattern: string): RegExp {
  let re = patternCache.get(javaPattern);
  if (!re) {
    let src = '';
    let inClass = false;
    for (let i = 0; i < javaPattern.length; i++) {
      const c = javaPattern[i]!;
      if (c === '\\') {
        const next = javaPattern[i + 1] ?? '';
        i++;
        if (next === 's') src += inClass ? '\\t\\n\\x0B\\f\\r ' : '[\\t\\n\\x0B\\f\\r ]';
        else src += c + next;
        continue;
      }
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      src += c;
    }
    re = new RegExp(`^(?:${src})$`, 'u');
    patternCache.set(javaPattern, re);
  }
  return re;
}

function report(errors: string[], path: string, v: unknown, s: Shape, constraint: string, secret = false): void {
  if (errors.length >= MAX_ERRORS) return;
  // Sensitive values are omitted entirely ("Value at 'plaintext'"), as AWS does; so are secrets the model does not mark (grant tokens).
  // (a blob prints only its length, so a secret blob member keeps Coral's ByteBuffer text).
  const shown = v === undefined ? 'null ' : s.sensitive || (secret && s.type !== 'blob') ? '' : `'${printValue(v)}' `;
  errors.push(`Value ${shown}at '${path}' failed to satisfy constraint: ${constraint}`);
}

/**
 * Values as Coral prints them (Java toString): lists `[a, b]`, maps `{k=v}`. Blobs print as
 * Java's ByteBuffer description (kinesalite, verified against Coral): that names the length
 * without echoing ciphertext or other binary content back.
 */
function printValue(v: unknown): string {
  if (Buffer.isBuffer(v)) return `java.nio.HeapByteBuffer[pos=0 lim=${v.length} cap=${v.length}]`;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `[${v.map(printValue).join(', ')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.entries(v).map(([k, x]) => `${k}=${printValue(x)}`).join(', ')}}`;
  }
  return String(v);
}
