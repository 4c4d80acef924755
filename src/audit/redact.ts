import { inputShapeName, outputShapeName, shape, type Shape } from '../model/kms-model.js';
import { SECRET_MEMBERS } from '../model/secret-members.js';
import { setOwn } from './canonical-json.js';
import { elementDate } from './record.js';

/**
 * The one place that decides what of a request and a response reaches the audit trail.
 *
 * KMS members are walked against the KMS model: every blob (plaintexts, ciphertexts, data keys,
 * private and public keys, signatures, MACs, messages, key material, import tokens) and every
 * member whose shape the model marks `sensitive` is left out. IAM and STS members have no model
 * here, so NEVER_RECORDED names their secrets. Names are CloudTrail's: the member name with its
 * first letter lowercased (so `AWSAccountId` becomes `aWSAccountId`, as CloudTrail writes it).
 * Key policies, trust policies and IAM policy documents are recorded, as CloudTrail records them.
 */
const NEVER_RECORDED = SECRET_MEMBERS;

export const cloudTrailName = (member: string): string => member.charAt(0).toLowerCase() + member.slice(1);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

/** requestParameters of a KMS call: the request (raw JSON or validated input) walked against its input shape. */
export function kmsRequestParameters(operation: string, request: unknown): Record<string, unknown> | null {
  const name = inputShapeName(operation);
  return name ? nonEmpty(fromShape(request, shape(name))) : null;
}

/** The recordable part of a KMS operation's output (responseElements of management operations). */
export function kmsResponseElements(operation: string, output: unknown): Record<string, unknown> | null {
  const name = outputShapeName(operation);
  return name ? nonEmpty(fromShape(output, shape(name))) : null;
}

/** A structure's recordable members: model name, CloudTrail name, shape (the model never changes: a pure memo). */
type RecordedMember = readonly [member: string, name: string, shape: Shape];
const recordedMemberLists = new WeakMap<Shape, readonly RecordedMember[]>();

function recordedMembers(s: Shape): readonly RecordedMember[] {
  let list = recordedMemberLists.get(s);
  if (!list) {
    // In the order of their CloudTrail names: the record's canonical JSON then takes the structure as it is.
    list = Object.entries(s.members ?? {})
      .filter(([member]) => !NEVER_RECORDED.has(member))
      .map(([member, ref]) => [member, cloudTrailName(member), shape(ref.shape)] as const)
      .sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    recordedMemberLists.set(s, list);
  }
  return list;
}

function fromShape(value: unknown, s: Shape): unknown {
  if (value === undefined || value === null || s.sensitive) return undefined;
  switch (s.type) {
    case 'blob':
      return undefined;
    case 'structure': {
      if (!isRecord(value)) return undefined;
      const out: Record<string, unknown> = {};
      for (const [member, name, memberShape] of recordedMembers(s)) {
        if (!Object.hasOwn(value, member)) continue;
        const v = fromShape(value[member], memberShape);
        if (v !== undefined) setOwn(out, name, v);
      }
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) return undefined;
      return value.map((v) => fromShape(v, shape(s.member!.shape))).filter((v) => v !== undefined);
    case 'map': {
      if (!isRecord(value)) return undefined;
      const out: Record<string, unknown> = {};
      const valueShape = shape(s.value!.shape);
      for (const [k, v] of Object.entries(value)) {
        const r = fromShape(v, valueShape);
        if (r !== undefined) setOwn(out, k, r);
      }
      return out;
    }
    case 'timestamp': {
      const d = value instanceof Date ? value : typeof value === 'number' ? new Date(value * 1000) : undefined;
      return d && Number.isFinite(d.getTime()) ? elementDate(d) : undefined;
    }
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    default:
      // JSON has no Infinity: a request's 1e400 parses to one, and is left out rather than break the record.
      return recordableNumber(value);
  }
}

const recordableNumber = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Bounds for members recorded without a model (awsQuery forms, LookupEvents): deeper or later parts are left out. */
const MAX_DEPTH = 8;
const MAX_FORM_PARTS = 16;

/** Members whose values CloudTrail writes as numbers although awsQuery sends text. */
const QUERY_NUMBERS = new Set(['DurationSeconds', 'MaxSessionDuration', 'MaxItems']);

/**
 * requestParameters of an IAM or STS call from its form members (`Name=value`, lists as
 * `Name.member.N`, structures as `Name.member.N.Field`), leaving out Action, Version and secrets.
 */
export function queryRequestParameters(params: ReadonlyMap<string, string>): Record<string, unknown> | null {
  const root = new Map<string, unknown>();
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    const path = key.split('.', MAX_FORM_PARTS + 1);
    if (path.length > MAX_FORM_PARTS || path.some((p) => NEVER_RECORDED.has(p) || p === '')) continue;
    let node = root;
    for (const step of path.slice(0, -1)) {
      let next = node.get(step);
      if (!(next instanceof Map)) node.set(step, (next = new Map<string, unknown>()));
      node = next as Map<string, unknown>;
    }
    const last = path[path.length - 1];
    if (!node.has(last)) node.set(last, QUERY_NUMBERS.has(last) && /^\d{1,15}$/.test(value) ? Number(value) : value);
  }
  return nonEmpty(fromForm(root));
}

function fromForm(node: unknown): unknown {
  if (!(node instanceof Map)) return node;
  const listed = node.get('member');
  if (node.size === 1 && listed instanceof Map) {
    return [...listed.entries()].filter(([i]) => /^\d{1,9}$/.test(i)).sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => fromForm(v));
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of node) setOwn(out, cloudTrailName(k), fromForm(v));
  return out;
}

/** responseElements of an IAM or STS call from its result, without secrets; dates in CloudTrail's form. */
export function queryResponseElements(result: unknown): Record<string, unknown> | null {
  return nonEmpty(fromResult(result));
}

/** A JSON-like value without secrets, CloudTrail-named; non-finite numbers, invalid dates and parts deeper than MAX_DEPTH left out. */
function fromResult(value: unknown, depth = 0): unknown {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? elementDate(value) : undefined;
  if (typeof value === 'number') return recordableNumber(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return undefined;
  if (Array.isArray(value)) return value.map((v) => fromResult(v, depth + 1)).filter((v) => v !== undefined);
  if (!isRecord(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || NEVER_RECORDED.has(k)) continue;
    const r = fromResult(v, depth + 1);
    if (r !== undefined) setOwn(out, cloudTrailName(k), r);
  }
  return out;
}

/** LookupEvents' requestParameters: its members as sent (it has no secrets), CloudTrail-named. */
export function jsonRequestParameters(request: unknown): Record<string, unknown> | null {
  return isRecord(request) ? nonEmpty(fromResult(request)) : null;
}

function nonEmpty(v: unknown): Record<string, unknown> | null {
  return isRecord(v) && Object.keys(v).length > 0 ? v : null;
}
