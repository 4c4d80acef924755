/**
 * The awsJson1.1 input reader of one KMS operation, compiled once from the model into closures
 * (one per shape: a deserializer and a constraint checker), so a request is not a walk of the
 * shape tree. Same two phases, order and texts as the rules in shape-input.ts describe: types
 * and deserialization first (first error wins), then every constraint (member order, depth-first,
 * at most 10 errors).
 */
import { SerializationException, ValidationException } from '../errors/aws-error.js';
import { operationInfo, shape, type Shape } from './kms-model.js';
import { SECRET_MEMBERS } from './secret-members.js';
import {
  allConstraints, compilePattern, decodeBase64, enumText, INT_RANGE, JAVA_TYPE, lengthText, patternText, report,
  scalarTypeError, structureTypeError, validationMessage, valueText,
} from './shape-rules.js';

/** Validates and deserializes a parsed JSON body; returns only modelled members. */
export type InputReader = (body: unknown) => Record<string, unknown>;
type Deserialize = (value: unknown) => unknown;
/** Reports the constraints `v` (at `path`) breaks into `errors`; `secret`: never show the value. */
type Check = (v: unknown, path: string, errors: string[], secret: boolean) => void;
/** The constraints a scalar breaks, or undefined when it breaks none (no allocation on the valid path). */
type Fails = (v: unknown) => string[] | undefined;

interface Compiled { des: Deserialize; check: Check; fails: Fails | undefined; shape: Shape }

/** Compiles `operation`'s reader; the model never changes, so every call gives an equivalent reader. */
export function compileInputReader(operation: string): InputReader {
  const info = operationInfo(operation);
  const compiled = new Map<Shape, Compiled>();
  const input = info.input ? compile(shape(info.input), compiled) : undefined;
  return (body) => {
    // An empty or non-object body is a SerializationException (kinesalite, real Kinesis).
    if (body === undefined || body === null) throw SerializationException();
    if (typeof body !== 'object' || Array.isArray(body)) throw structureTypeError(body);
    if (!input) return {};
    const value = input.des(body) as Record<string, unknown>;
    const errors: string[] = [];
    input.check(value, '', errors, false);
    if (errors.length > 0) throw ValidationException(validationMessage(errors));
    return value;
  };
}

function compile(s: Shape, memo: Map<Shape, Compiled>): Compiled {
  const known = memo.get(s);
  if (known) return known;
  // Placeholders first, so a recursive shape refers to its own (filled-in) closures.
  const c: Compiled = { des: (v) => c.des(v), check: (v, p, e, x) => c.check(v, p, e, x), fails: undefined, shape: s };
  memo.set(s, c);
  c.fails = failsOf(s);
  switch (s.type) {
    case 'structure': structure(s, c, memo); break;
    case 'list': list(s, c, memo); break;
    case 'map': map(s, c, memo); break;
    default: scalar(s, c);
  }
  return c;
}

/**
 * A structure's two closures are generated per shape (`new Function` over the model's member
 * names, quoted with JSON.stringify), so each has property accesses of its own members: closures
 * of one literal would share V8's feedback and go megamorphic across shapes.
 */
function structure(s: Shape, c: Compiled, memo: Map<Shape, Compiled>): void {
  const members = Object.entries(s.members ?? {}).map(([name, ref]) => ({
    name,
    path: name.charAt(0).toLowerCase() + name.slice(1),
    required: (s.required ?? []).includes(name),
    secret: SECRET_MEMBERS.has(name),
    compiled: compile(shape(ref.shape), memo),
  }));
  const q = JSON.stringify;
  const des = members.map((m, i) =>
    `if (hasOwn(src, ${q(m.name)}) && (v = src[${q(m.name)}]) !== null && v !== undefined) out[${q(m.name)}] = m[${i}].compiled.des(v);`);
  c.des = new Function('m', 'hasOwn', 'typeError', `return function des(src) {
  if (typeof src !== 'object' || src === null || Array.isArray(src)) throw typeError(src);
  const out = {};
  let v;
  ${des.join('\n  ')}
  return out;
};`)(members, Object.prototype.hasOwnProperty.call.bind(Object.prototype.hasOwnProperty), structureTypeError) as Deserialize;
  const checks = members.map((m, i) => {
    const p = `(path ? path + ${q('.' + m.path)} : ${q(m.path)})`;
    const missing = m.required ? `report(errors, ${p}, undefined, m[${i}].compiled.shape, 'Member must not be null');` : '';
    return `x = value[${q(m.name)}]; if (x !== undefined) m[${i}].compiled.check(x, ${p}, errors, ${m.secret}); else { ${missing} }`;
  });
  // A structure breaks no constraint of its own (no length, enum or pattern): only its members.
  c.check = new Function('m', 'report', `return function check(value, path, errors) {
  let x;
  ${checks.join('\n  ')}
};`)(members, report) as Check;
}

function list(s: Shape, c: Compiled, memo: Map<Shape, Compiled>): void {
  const item = compile(shape(s.member!.shape), memo);
  const own = c.fails;
  c.des = (value) => {
    if (!Array.isArray(value)) {
      throw SerializationException(isObject(value) ? 'Start of structure or map found where not expected.' : 'Expected list or null');
    }
    const out: unknown[] = [];
    for (const v of value) if (v !== null) out.push(item.des(v));
    return out;
  };
  const itemFails = item.fails;
  const scalarItems = isScalar(item.shape);
  // Coral reports scalar list members once, on the list, listing all member constraints.
  const itemText = scalarItems ? `Member must satisfy constraint: [${allConstraints(item.shape).join(', ')}]` : '';
  c.check = (v, path, errors, secret) => {
    for (const f of own?.(v) ?? []) report(errors, path, v, s, f, secret);
    const items = v as unknown[];
    if (scalarItems) {
      if (itemFails && items.some((x) => itemFails(x) !== undefined)) report(errors, path, v, s, itemText, secret);
    } else {
      items.forEach((x, i) => item.check(x, `${path}.${i + 1}.member`, errors, secret));
    }
  };
}

function map(s: Shape, c: Compiled, memo: Map<Shape, Compiled>): void {
  const key = compile(shape(s.key!.shape), memo);
  const val = compile(shape(s.value!.shape), memo);
  const own = c.fails;
  c.des = (value) => {
    if (Array.isArray(value)) throw SerializationException('Start of list found where not expected');
    if (!isObject(value)) throw SerializationException('Expected map or null');
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === null) continue;
      // defineProperty: a "__proto__" key must stay plain data.
      if (k === '__proto__') Object.defineProperty(out, k, { value: val.des(v), enumerable: true, writable: true, configurable: true });
      else out[k] = val.des(v);
    }
    return out;
  };
  const keyFails = key.fails;
  const valFails = val.fails;
  const keyText = `Map keys must satisfy constraint: [${allConstraints(key.shape).join(', ')}]`;
  const scalarValues = isScalar(val.shape);
  const valText = scalarValues ? `Map value must satisfy constraint: [${allConstraints(val.shape).join(', ')}]` : '';
  c.check = (v, path, errors, secret) => {
    for (const f of own?.(v) ?? []) report(errors, path, v, s, f, secret);
    const entries = Object.entries(v as Record<string, unknown>);
    if (keyFails && entries.some(([k]) => keyFails(k) !== undefined)) report(errors, path, v, s, keyText, secret);
    if (scalarValues) {
      if (valFails && entries.some(([, x]) => valFails(x) !== undefined)) report(errors, path, v, s, valText, secret);
    } else {
      // Map path form `<map>.<key>.member` (kinesalite; DynamoDB's 'requestItems.<table>.member.keys').
      for (const [k, x] of entries) val.check(x, `${path}.${k}.member`, errors, secret);
    }
  };
}

function scalar(s: Shape, c: Compiled): void {
  c.des = deserializerOf(s);
  const own = c.fails;
  c.check = own
    ? (v, path, errors, secret) => {
        const failed = own(v);
        if (failed) for (const f of failed) report(errors, path, v, s, f, secret);
      }
    : () => {};
}

function deserializerOf(s: Shape): Deserialize {
  switch (s.type) {
    case 'string':
      return (v) => {
        if (typeof v !== 'string') throw scalarTypeError(v, s.type);
        return v;
      };
    case 'boolean':
      return (v) => {
        if (typeof v === 'string') throw SerializationException(`'${v.toUpperCase()}' can not be converted to an Boolean`);
        if (typeof v !== 'boolean') throw scalarTypeError(v, s.type);
        return v;
      };
    case 'integer':
    case 'long': {
      const range = INT_RANGE[s.type]!;
      return (v) => {
        if (typeof v !== 'number') throw scalarTypeError(v, s.type);
        // Decision: non-integral or out-of-range numbers are rejected rather than truncated.
        if (!Number.isInteger(v) || Math.abs(v) > range) throw SerializationException(`'${v}' can not be converted to ${JAVA_TYPE[s.type]}`);
        return v;
      };
    }
    case 'float':
    case 'double':
      return (v) => {
        if (typeof v !== 'number') throw scalarTypeError(v, s.type);
        return v;
      };
    case 'blob': {
      const sensitive = s.sensitive === true;
      return (v) => {
        if (typeof v !== 'string') throw scalarTypeError(v, s.type);
        return decodeBase64(v, sensitive);
      };
    }
    case 'timestamp':
      return (v) => {
        // awsJson1.1 timestamps are epoch seconds (fraction allowed).
        if (typeof v !== 'number') throw scalarTypeError(v, s.type);
        const d = new Date(v * 1000);
        if (Number.isNaN(d.getTime())) throw SerializationException(`'${v}' can not be converted to a Timestamp`);
        return d;
      };
    default:
      throw new Error(`unsupported shape type ${String(s.type)}`);
  }
}

/** The constraints a value breaks, in the order Locksmith reports them: length/range, enum, pattern. */
function failsOf(s: Shape): Fails | undefined {
  const { min, max } = s;
  if (s.type === 'integer' || s.type === 'long' || s.type === 'float' || s.type === 'double') {
    if (min === undefined && max === undefined) return undefined;
    return (v) => {
      const n = v as number;
      if ((min === undefined || n >= min) && (max === undefined || n <= max)) return undefined;
      const out: string[] = [];
      if (min !== undefined && n < min) out.push(valueText('greater', min));
      if (max !== undefined && n > max) out.push(valueText('less', max));
      return out;
    };
  }
  const measure = measureOf(s);
  const values = s.type === 'string' && s.enum ? new Set(s.enum) : undefined;
  const pattern = s.type === 'string' && s.pattern !== undefined ? compilePattern(s.pattern) : undefined;
  const hasLength = measure !== undefined && (min !== undefined || max !== undefined);
  if (!hasLength && !values && !pattern) return undefined;
  return (v) => {
    const len = hasLength ? measure!(v) : 0;
    const short = hasLength && min !== undefined && len < min;
    const long = hasLength && max !== undefined && len > max;
    const notEnum = values !== undefined && !values.has(v as string);
    const noMatch = pattern !== undefined && !pattern.test(v as string);
    if (!short && !long && !notEnum && !noMatch) return undefined;
    const out: string[] = [];
    if (short) out.push(lengthText('greater', min!));
    if (long) out.push(lengthText('less', max!));
    if (notEnum) out.push(enumText(s.enum!));
    if (noMatch) out.push(patternText(s.pattern!));
    return out;
  };
}

/** Length as the model means it: code points for strings, bytes for blobs, entries for lists/maps. */
function measureOf(s: Shape): ((v: unknown) => number) | undefined {
  switch (s.type) {
    case 'string': return (v) => codePointLength(v as string);
    case 'blob': return (v) => (v as Buffer).length;
    case 'list': return (v) => (v as unknown[]).length;
    case 'map': return (v) => Object.keys(v as object).length;
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

const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (s: Shape) => s.type !== 'structure' && s.type !== 'list' && s.type !== 'map';
