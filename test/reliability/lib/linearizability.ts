/**
 * Checks that the final state of a concurrent run equals some serial order of its acknowledged
 * calls, attribute by attribute. Each call declares what it writes (attribute → value) when it is
 * acknowledged. In any linearization the last writer of an attribute is a call that no other
 * acknowledged writer of it started after (real-time order): a *maximal* writer. So the attribute's
 * final value must be the value of one of its maximal writers — or its initial value when no
 * acknowledged call wrote it. A write lost to a stale read-modify-write breaks this: the surviving
 * value is an older writer's (or the initial one).
 */
import { isDeepStrictEqual } from 'node:util';

export interface CallRecord {
  client: number;
  op: string;
  /** performance.now() before sending and after the answer. */
  start: number;
  end: number;
  ok: boolean;
  error?: string;
  status?: number;
  requestId?: string;
  /** What the call writes when it is acknowledged: attribute → value (undefined: absent). */
  writes: Record<string, unknown>;
}

export interface RegisterViolation {
  attribute: string;
  final: unknown;
  initial: unknown;
  maximal: { op: string; client: number; value: unknown }[];
}

/** The attribute's acknowledged writers no other acknowledged writer started after. */
export function maximalWriters(calls: CallRecord[], attribute: string): CallRecord[] {
  const writers = calls.filter((c) => c.ok && attribute in c.writes);
  return writers.filter((w) => !writers.some((o) => o !== w && o.start > w.end));
}

/** A violation when `final` is neither a maximal writer's value nor (without writers) `initial`. */
export function checkRegister(calls: CallRecord[], attribute: string, initial: unknown, final: unknown): RegisterViolation | undefined {
  const maximal = maximalWriters(calls, attribute);
  const allowed = maximal.length === 0 ? [initial] : maximal.map((w) => w.writes[attribute]);
  if (allowed.some((v) => isDeepStrictEqual(v, final))) return undefined;
  return { attribute, final, initial, maximal: maximal.map((w) => ({ op: w.op, client: w.client, value: w.writes[attribute] })) };
}
