/**
 * LocksmithService.SetDevClock: {"Time": "2030-01-01T00:00:00Z"} sets the lifecycle clock (within
 * 100 years of now) and runs the key schedule. Response: {"Now", "OffsetMs", "Schedule"}.
 */
import type { CallContext } from '../../domain/call-context.js';
import { DevClockInputError, type DevClockControl } from './dev-clock-control.js';
import type { Store } from '../../store/ports.js';
import { clockOutput, devClockFor, invalidMember } from './dev-clock-access.js';

export async function setDevClock(devClock: DevClockControl | undefined, store: Store, ctx: CallContext, input: unknown) {
  const control = await devClockFor(devClock, store, ctx, 'SetDevClock', input);
  const time = (input as Record<string, unknown>).Time;
  if (time === undefined || time === null) throw invalidMember(undefined, 'time', 'Member must not be null');
  if (typeof time !== 'string' || time.length > 64) throw invalidMember(time, 'time', 'Member must be an ISO 8601 time');
  try {
    return clockOutput(await control.set(time));
  } catch (e) {
    throw e instanceof DevClockInputError ? invalidMember(time, 'time', 'Member must be an ISO 8601 time within 100 years of now') : e;
  }
}
