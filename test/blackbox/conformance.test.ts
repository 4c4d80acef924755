/**
 * Model conformance, generated from the KMS model at test time: for every implemented KMS
 * operation, every required member missing, every length/size/range bound just inside and
 * just outside, and an invalid value for every enum member, sent over a real server.
 * Outside → 400 ValidationException with the exact AWS-format message (built here, from the
 * same rules as src/model/shape-input.ts); inside → anything but a model validation error.
 */
import { SECRET_MEMBERS } from '../../src/model/secret-members.js';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { Harness, implementedKmsOperations } from './harness.js';
import { operationInfo, shape, type Shape } from '../../src/model/kms-model.js';
import { compilePattern } from '../../src/model/shape-input.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];
interface Case { label: string; body: Record<string, Json>; errors?: string[] }
interface Ctx { keyId: string }

const MAX_BODY_VALUE = 400_000; // stays under the server's 1 MiB body limit
const SAMPLES: Record<string, string> = {
  AliasNameType: 'alias/conformance-',
  PolicyNameType: 'default',
  PrincipalIdType: 'arn:aws:iam::111122223333:role/',
  PolicyType: '{"Version":"2012-10-17","Statement":[]}',
  RegionType: 'eu-west-',
};
const FILLERS = ['a', '0', 'A', 'x'];
/** Members AWS requires though the model marks them optional (since Recipient was added). */
const SERVICE_REQUIRED: Record<string, string[]> = { Decrypt: ['CiphertextBlob'], ReEncrypt: ['CiphertextBlob'] };

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const b64 = (n: number) => Buffer.alloc(n, 0x41).toString('base64');
const byteBuffer = (n: number) => `java.nio.HeapByteBuffer[pos=0 lim=${n} cap=${n}]`;
/** Secret members (grant tokens) are never echoed, though the model does not mark them sensitive (blobs print only their length). */
const secretAt = (path: string, s: Shape) => s.type !== 'blob' && path.split('.').some((p) => SECRET_MEMBERS.has(p.charAt(0).toUpperCase() + p.slice(1)));
const err = (path: string, s: Shape, printed: string | null, constraint: string) =>
  `Value ${printed === null ? 'null ' : s.sensitive || secretAt(path, s) ? '' : `'${printed}' `}at '${path}' failed to satisfy constraint: ${constraint}`;
const lengthC = (op: string, n: number) => `Member must have length ${op} than or equal to ${n}`;
const valueC = (op: string, n: number) => `Member must have value ${op} than or equal to ${n}`;
const patternC = (p: string) => `Member must satisfy regular expression pattern: ${p}`;
const enumC = (values: string[]) => `Member must satisfy enum value set: [${values.join(', ')}]`;

const expectedMessage = (errors: string[]) =>
  `${errors.length} validation error${errors.length === 1 ? '' : 's'} detected: ${errors.join('; ')}`;

/** A string of `n` code points built from the shape's sample, matching its pattern if possible. */
function sampleString(name: string, s: Shape, n: number): { value: string; matches: boolean } {
  const prefix = SAMPLES[name] ?? '';
  let first: string | undefined;
  for (const f of FILLERS) {
    const value = n >= prefix.length ? prefix + f.repeat(n - prefix.length) : f.repeat(n);
    first ??= value;
    if (!s.pattern || compilePattern(s.pattern).test(value)) return { value, matches: true };
  }
  return { value: first!, matches: false };
}

/** A value that satisfies every constraint of the shape (structures: required members only). */
function validValue(name: string, s: Shape, ctx: Ctx): Json {
  switch (s.type) {
    case 'string':
      if (name === 'KeyIdType') return ctx.keyId;
      if (s.enum) return s.enum[0]!;
      return sampleString(name, s, Math.max(s.min ?? 1, Math.min(s.max ?? 16, (SAMPLES[name] ?? '').length + 4))).value;
    case 'blob': return b64(Math.max(s.min ?? 1, 1));
    case 'integer': case 'long': return s.min ?? 1;
    case 'boolean': return false;
    case 'timestamp': return Math.floor(Date.now() / 1000) + 86400;
    case 'list': {
      const m = s.member!.shape;
      return Array.from({ length: s.min ?? 0 }, () => validValue(m, shape(m), ctx));
    }
    case 'map': return {};
    case 'structure': {
      const out: Record<string, Json> = {};
      for (const r of s.required ?? []) {
        const ref = s.members![r]!.shape;
        out[r] = validValue(ref, shape(ref), ctx);
      }
      return out;
    }
    default: return null;
  }
}

function setAt(body: Record<string, Json>, path: Path, value: Json | undefined): Record<string, Json> {
  const copy = structuredClone(body);
  let node: any = copy; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const k of path.slice(0, -1)) node = node[k];
  const last = path[path.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Bound cases for a scalar (string/blob/number) value: [label, value, printed, errors-or-undefined]. */
function scalarBounds(name: string, s: Shape): { label: string; value: Json; printed: string; failed: string[] }[] {
  const out: { label: string; value: Json; printed: string; failed: string[] }[] = [];
  if (s.type === 'string' && !s.enum) {
    const lengths: [number, string[]][] = [];
    if (s.min !== undefined) { lengths.push([s.min, []]); if (s.min > 0) lengths.push([s.min - 1, [lengthC('greater', s.min)]]); }
    if (s.max !== undefined) { lengths.push([s.max, []]); lengths.push([s.max + 1, [lengthC('less', s.max)]]); }
    for (const [n, failed] of lengths) {
      if (n > MAX_BODY_VALUE) continue;
      const { value, matches } = sampleString(name, s, n);
      if (!matches && failed.length === 0) continue; // can't build an inside value of that length
      out.push({ label: `length ${n}`, value, printed: value, failed: matches ? failed : [...failed, patternC(s.pattern!)] });
    }
  } else if (s.type === 'string' && s.enum) {
    out.push({ label: 'invalid enum', value: 'NOT_A_VALID_VALUE', printed: 'NOT_A_VALID_VALUE', failed: [enumC(s.enum)] });
  } else if (s.type === 'blob') {
    const sizes: [number, string[]][] = [];
    if (s.min !== undefined) { sizes.push([s.min, []]); if (s.min > 0) sizes.push([s.min - 1, [lengthC('greater', s.min)]]); }
    if (s.max !== undefined) { sizes.push([s.max, []]); sizes.push([s.max + 1, [lengthC('less', s.max)]]); }
    for (const [n, failed] of sizes) {
      if (n * 4 / 3 > MAX_BODY_VALUE) continue;
      out.push({ label: `${n} bytes`, value: b64(n), printed: byteBuffer(n), failed });
    }
  } else if (s.type === 'integer' || s.type === 'long') {
    if (s.min !== undefined) out.push({ label: `${s.min}`, value: s.min, printed: `${s.min}`, failed: [] },
      { label: `${s.min - 1}`, value: s.min - 1, printed: `${s.min - 1}`, failed: [valueC('greater', s.min)] });
    if (s.max !== undefined) out.push({ label: `${s.max}`, value: s.max, printed: `${s.max}`, failed: [] },
      { label: `${s.max + 1}`, value: s.max + 1, printed: `${s.max + 1}`, failed: [valueC('less', s.max)] });
  }
  return out;
}

/** Cases for every member of a structure at `jsonPath` inside `body` (message path prefix `msgPath`). */
function structureCases(s: Shape, body: Record<string, Json>, jsonPath: Path, msgPath: string, ctx: Ctx, out: Case[]): void {
  for (const [member, ref] of Object.entries(s.members ?? {})) {
    const ms = shape(ref.shape);
    const jp = [...jsonPath, member];
    const mp = msgPath + lowerFirst(member);
    if (s.required?.includes(member)) {
      out.push({ label: `${mp} missing`, body: setAt(body, jp, undefined), errors: [err(mp, ms, null, 'Member must not be null')] });
    }
    for (const c of scalarBounds(ref.shape, ms)) {
      out.push({ label: `${mp} ${c.label}`, body: setAt(body, jp, c.value), errors: c.failed.length ? c.failed.map((f) => err(mp, ms, c.printed, f)) : undefined });
    }
    if (ms.type === 'list') {
      const elName = ms.member!.shape;
      const el = shape(elName);
      const elValue = validValue(elName, el, ctx);
      const list = (n: number) => Array.from({ length: n }, () => elValue);
      const printedList = (n: number) => `[${Array.from({ length: n }, () => String(elValue)).join(', ')}]`;
      if (ms.min !== undefined && ms.min > 0) out.push({ label: `${mp} ${ms.min - 1} items`, body: setAt(body, jp, list(ms.min - 1)), errors: [err(mp, ms, printedList(ms.min - 1), lengthC('greater', ms.min))] });
      if (ms.max !== undefined) {
        out.push({ label: `${mp} ${ms.max} items`, body: setAt(body, jp, list(ms.max)) });
        if (el.type !== 'structure') out.push({ label: `${mp} ${ms.max + 1} items`, body: setAt(body, jp, list(ms.max + 1)), errors: [err(mp, ms, printedList(ms.max + 1), lengthC('less', ms.max))] });
      }
      if (el.type === 'structure') {
        structureCases(el, setAt(body, jp, [elValue]), [...jp, 0], `${mp}.1.member.`, ctx, out);
      } else {
        const all = [
          ...(el.max !== undefined ? [lengthC('less', el.max)] : []),
          ...(el.min !== undefined ? [lengthC('greater', el.min)] : []),
          ...(el.pattern !== undefined ? [patternC(el.pattern)] : []),
          ...(el.enum ? [enumC(el.enum)] : []),
        ];
        for (const c of scalarBounds(elName, el)) {
          const value = [c.value];
          out.push({ label: `${mp} element ${c.label}`, body: setAt(body, jp, value),
            errors: c.failed.length ? [err(mp, ms, `[${c.printed}]`, `Member must satisfy constraint: [${all.join(', ')}]`)] : undefined });
        }
      }
    } else if (ms.type === 'structure') {
      structureCases(ms, setAt(body, jp, validValue(ref.shape, ms, ctx)), jp, `${mp}.`, ctx, out);
    }
  }
}

function casesFor(operation: string, ctx: Ctx): Case[] {
  const inputName = operationInfo(operation).input;
  if (!inputName) return [];
  const input = shape(inputName);
  let base = validValue(inputName, input, ctx) as Record<string, Json>;
  for (const m of SERVICE_REQUIRED[operation] ?? []) {
    const ref = input.members![m]!.shape;
    base = setAt(base, [m], validValue(ref, shape(ref), ctx));
  }
  const out: Case[] = [{ label: 'base body', body: base }];
  structureCases(input, base, [], '', ctx, out);
  return out;
}

const MODEL_VALIDATION = /^\d+ validation errors? detected: /;

let h: Harness;
before(async () => { h = await Harness.start(); });
after(async () => { await h?.stop(); });

for (const operation of implementedKmsOperations) {
  test(`${operation} enforces the model's constraints`, async () => {
    const created = await h.kms.send(new CreateKeyCommand({ Description: `conformance ${operation}` }));
    const cases = casesFor(operation, { keyId: created.KeyMetadata!.KeyId! });
    assert.ok(cases.length > 0);
    const failures: string[] = [];
    for (const c of cases) {
      const res = await h.kmsRaw(operation, c.body);
      const type = String(res.json?.__type ?? '');
      const message = String(res.json?.message ?? res.json?.Message ?? '');
      if (c.errors) {
        const want = expectedMessage(c.errors);
        if (res.status !== 400 || type !== 'ValidationException' || message !== want) {
          failures.push(`${c.label}: want 400 ValidationException "${want.slice(0, 300)}", got ${res.status} ${type} "${message.slice(0, 300)}"`);
        }
      } else if (res.status >= 500 || (type === 'ValidationException' && MODEL_VALIDATION.test(message)) || type === 'SerializationException') {
        failures.push(`${c.label}: inside the bounds but got ${res.status} ${type} "${message.slice(0, 300)}"`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases failed:\n${failures.join('\n')}`);
  });
}
