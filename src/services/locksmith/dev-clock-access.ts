/**
 * Who may see or move the development clock: only on a server started with --insecure-dev-clock,
 * and only a caller its identity policies allow `locksmith:<Operation>` (resource "*"), evaluated
 * as IAM evaluates any action (the account root is allowed).
 */
import type { CallContext } from '../../domain/call-context.js';
import { UnsupportedOperationException, ValidationException } from '../../errors/aws-error.js';
import type { DevClockControl } from './dev-clock-control.js';
import type { Store } from '../../store/ports.js';
import { authorizeCaller } from '../explain/authorize-explain.js';

export async function devClockFor(devClock: DevClockControl | undefined, store: Store, ctx: CallContext, operation: string, input: unknown): Promise<DevClockControl> {
  if (!devClock) {
    throw UnsupportedOperationException(`${operation} is available only on a server started with --insecure-dev-clock (development only).`);
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw ValidationException('The request body must be a JSON object.');
  await authorizeCaller({ store }, ctx, `locksmith:${operation}`, '*');
  return devClock;
}

/** The clock's answer in the API's member names. */
export const clockOutput = (s: { now: string; offsetMs: number; schedule?: Record<string, number> }) => ({
  Now: s.now,
  OffsetMs: s.offsetMs,
  ...(s.schedule ? { Schedule: s.schedule } : {}),
});

/** AWS's validation message form for one member. */
export const invalidMember = (value: unknown, member: string, constraint: string) =>
  ValidationException(`1 validation error detected: Value ${value === undefined ? 'null' : `'${String(value)}'`} at '${member}' failed to satisfy constraint: ${constraint}`);
