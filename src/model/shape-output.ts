/**
 * awsJson1.1 response output: walks the operation's output shape and produces the JSON-ready
 * object. Buffers become base64, Dates epoch seconds (awsJson1.1's default timestamp format),
 * undefined/null members are dropped, and members the shape doesn't have are dropped silently
 * (use `outputProblems` in tests to catch misspelt member names).
 */
import { operationInfo, shape, type Shape } from './kms-model.js';

export function writeOutput(operation: string, output: Record<string, unknown>): Record<string, unknown> {
  const name = operationInfo(operation).output;
  if (!name) return {};
  return writerOf(name)(output, () => operation) as Record<string, unknown>;
}

/** A compiled serializer of one shape; the path is computed only for an error message. */
type Writer = (v: unknown, path: () => string) => unknown;

/** Compiled writers by shape name: code made from the (constant) model, not state. */
const writers = new Map<string, Writer>();

function writerOf(name: string): Writer {
  let w = writers.get(name);
  if (!w) {
    // Resolved on first call, so recursive shapes compile too.
    let compiled: Writer | undefined;
    w = (v, path) => (compiled ??= compileWriter(shape(name)))(v, path);
    writers.set(name, w);
  }
  return w;
}

/** structure shapes get a member list walked in a loop; every other type the generic serializer. */
function compileWriter(s: Shape): Writer {
  if (s.type === 'string') return (v, path) => (typeof v === 'string' ? v : serialize(v, s, path()));
  if (s.type === 'blob') return (v, path) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') : serialize(v, s, path()));
  if (s.type !== 'structure') return (v, path) => serialize(v, s, path());
  const members = Object.entries(s.members ?? {}).map(([member, ref]) => ({ member, write: writerOf(ref.shape) }));
  return (v, path) => {
    const src = isPlainObject(v) ? v : expectObject(v, path());
    const out: Record<string, unknown> = {};
    for (const { member, write } of members) {
      const x = src[member];
      if (x === undefined || x === null) continue;
      out[member] = write(x, () => `${path()}.${member}`);
    }
    return out;
  };
}

/**
 * Paths of members in `output` that the operation's output shape doesn't model (a typo or a
 * wrong nesting in service code). Empty when everything would be serialized.
 */
export function outputProblems(operation: string, output: Record<string, unknown>): string[] {
  const name = operationInfo(operation).output;
  const problems: string[] = [];
  if (!name) {
    for (const k of Object.keys(output)) if (output[k] !== undefined) problems.push(k);
    return problems;
  }
  collectProblems(output, shape(name), '', problems);
  return problems;
}

function serialize(v: unknown, s: Shape, path: string): unknown {
  switch (s.type) {
    case 'structure': {
      const src = expectObject(v, path);
      const out: Record<string, unknown> = {};
      for (const [member, ref] of Object.entries(s.members ?? {})) {
        const x = src[member];
        if (x === undefined || x === null) continue;
        out[member] = serialize(x, shape(ref.shape), `${path}.${member}`);
      }
      return out;
    }
    case 'list': {
      if (!Array.isArray(v)) throw typeError(path, 'an array', v);
      const ms = shape(s.member!.shape);
      return v.map((x, i) => serialize(x, ms, `${path}[${i}]`));
    }
    case 'map': {
      const src = expectObject(v, path);
      const vs = shape(s.value!.shape);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(src)) {
        if (x === undefined || x === null) continue;
        Object.defineProperty(out, k, {
          value: serialize(x, vs, `${path}.${k}`), enumerable: true, writable: true, configurable: true,
        });
      }
      return out;
    }
    case 'blob':
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
      throw typeError(path, 'a Buffer', v);
    case 'timestamp':
      // Epoch seconds, fraction kept to the millisecond (e.g. 1700000000.123).
      if (v instanceof Date && !Number.isNaN(v.getTime())) return v.getTime() / 1000;
      throw typeError(path, 'a Date', v);
    case 'string':
      if (typeof v === 'string') return v;
      throw typeError(path, 'a string', v);
    case 'boolean':
      if (typeof v === 'boolean') return v;
      throw typeError(path, 'a boolean', v);
    case 'integer':
    case 'long':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      throw typeError(path, 'an integer', v);
    case 'float':
    case 'double':
      if (typeof v === 'number') return v;
      throw typeError(path, 'a number', v);
    default:
      throw new Error(`unsupported shape type ${String(s.type)} at ${path}`);
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);

function expectObject(v: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(v)) {
    throw typeError(path, 'an object', v);
  }
  return v as Record<string, unknown>;
}

/** A wrong type in service output is a programming error, never a client's fault. */
function typeError(path: string, expected: string, v: unknown): Error {
  const got = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  return new TypeError(`output ${path}: expected ${expected}, got ${got}`);
}

function collectProblems(v: unknown, s: Shape, path: string, problems: string[]): void {
  if (v === undefined || v === null) return;
  if (s.type === 'structure' && typeof v === 'object') {
    const members = s.members ?? {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const p = path ? `${path}.${k}` : k;
      const ref = members[k];
      if (!ref || !Object.prototype.hasOwnProperty.call(members, k)) {
        if (x !== undefined) problems.push(p);
        continue;
      }
      collectProblems(x, shape(ref.shape), p, problems);
    }
  } else if (s.type === 'list' && Array.isArray(v)) {
    const ms = shape(s.member!.shape);
    v.forEach((x, i) => collectProblems(x, ms, `${path}[${i}]`, problems));
  } else if (s.type === 'map' && typeof v === 'object') {
    const vs = shape(s.value!.shape);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) collectProblems(x, vs, `${path}.${k}`, problems);
  }
}
