/**
 * The rules of awsJson1.1 input reading that do not depend on the shape walk: Coral's error
 * texts and value printing, strict base64, Java patterns. Texts: research/kms-errors.md §1 and §3
 * (kinesalite, LocalStack snapshots of real AWS).
 */
import { SerializationException } from '../errors/aws-error.js';
import type { Shape } from './kms-model.js';

/** kinesalite (verified against Coral) stops collecting after 10 errors. */
export const MAX_ERRORS = 10;
const NUMBER_CLASS = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';
export const JAVA_TYPE: Record<string, string> = {
  string: 'an String', integer: 'an Integer', long: 'an Long', float: 'an Float',
  double: 'an Double', boolean: 'an Boolean', blob: 'a Blob', timestamp: 'a Timestamp',
};
export const INT_RANGE: Record<string, number> = { integer: 2 ** 31 - 1, long: Number.MAX_SAFE_INTEGER };

/** AWS's multi-error format: singular "error" for one, "errors" otherwise; joined by "; ". */
export function validationMessage(errors: readonly string[]): string {
  const n = errors.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${errors.join('; ')}`;
}

export function structureTypeError(value: unknown) {
  return SerializationException(Array.isArray(value) ? 'Start of list found where not expected' : 'Expected null');
}

export function scalarTypeError(value: unknown, type: string) {
  if (Array.isArray(value)) return SerializationException('Start of list found where not expected');
  if (typeof value === 'object') return SerializationException('Start of structure or map found where not expected.');
  const cls = typeof value === 'number' ? NUMBER_CLASS : typeof value === 'boolean' ? 'class java.lang.Boolean' : 'class java.lang.String';
  return SerializationException(`${cls} can not be converted to ${JAVA_TYPE[type]}`);
}

/** Strict base64 (standard alphabet, padded, canonical), with Coral's error texts. */
export function decodeBase64(text: string, sensitive: boolean): Buffer {
  const fail = (why: string) =>
    SerializationException(`${sensitive ? 'Value' : `'${text}'`} can not be converted to a Blob: ${why}`);
  if (text.length % 4 !== 0) throw fail(`Base64 encoded length is expected a multiple of 4 bytes but found: ${text.length}`);
  const bad = /[^A-Za-z0-9+/=]|=[^=]/.exec(text);
  if (bad) throw fail(`Invalid Base64 character: '${bad[0][0]}'`);
  const buf = Buffer.from(text, 'base64');
  if (buf.toString('base64') !== text) throw fail('Invalid last non-pad Base64 character dectected');
  return buf;
}

export const lengthText = (op: 'greater' | 'less', n: number) => `Member must have length ${op} than or equal to ${n}`;
export const valueText = (op: 'greater' | 'less', n: number) => `Member must have value ${op} than or equal to ${n}`;
export const enumText = (values: readonly string[]) => `Member must satisfy enum value set: [${values.join(', ')}]`;
export const patternText = (pattern: string) => `Member must satisfy regular expression pattern: ${pattern}`;

/** Every constraint of a member shape, as Coral lists them (max, min, pattern, enum). */
export function allConstraints(s: Shape): string[] {
  const numeric = s.type !== 'string' && s.type !== 'blob';
  const out: string[] = [];
  if (s.max !== undefined) out.push(numeric ? valueText('less', s.max) : lengthText('less', s.max));
  if (s.min !== undefined) out.push(numeric ? valueText('greater', s.min) : lengthText('greater', s.min));
  if (s.pattern !== undefined) out.push(patternText(s.pattern));
  if (s.enum) out.push(enumText(s.enum));
  return out;
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

export function report(errors: string[], path: string, v: unknown, s: Shape, constraint: string, secret = false): void {
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
