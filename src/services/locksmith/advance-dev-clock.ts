/**
 * LocksmithService.AdvanceDevClock: {"By": "7d"} (units ms s m h d w y, or several: "1d12h") moves
 * the lifecycle clock forward and runs the key schedule. Response: {"Now", "OffsetMs", "Schedule"}.
 */
import type { CallContext } from '../../domain/call-context.js';
import { DevClockInputError, type DevClockControl } from './dev-clock-control.js';
import type { Store } from '../../store/ports.js';
import { parseDuration } from '../../util/duration.js';
import { clockOutput, devClockFor, invalidMember } from './dev-clock-access.js';

export async function advanceDevClock(devClock: DevClockControl | undefined, store: Store, ctx: CallContext, input: unknown) {
  const control = await devClockFor(devClock, store, ctx, 'AdvanceDevClock', input);
  const by = (input as Record<string, unknown>).By;
  if (by === undefined || by === null) throw invalidMember(undefined, 'by', 'Member must not be null');
  if (typeof by !== 'string' || by.length > 64) throw invalidMember(by, 'by', 'Member must be a duration such as 7d, 12h, 1y or 1d12h');
  let ms: number;
  try {
    ms = parseDuration(by);
  } catch {
    throw invalidMember(by, 'by', 'Member must be a duration such as 7d, 12h, 1y or 1d12h');
  }
  try {
    return clockOutput(await control.advance(ms));
  } catch (e) {
    throw e instanceof DevClockInputError ? invalidMember(by, 'by', 'Member must be at most 100 years') : e;
  }
}
