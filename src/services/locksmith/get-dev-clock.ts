/** LocksmithService.GetDevClock: the lifecycle clock ({"Now", "OffsetMs"}). Request: {}. */
import type { CallContext } from '../../domain/call-context.js';
import type { DevClockControl } from './dev-clock-control.js';
import type { Store } from '../../store/ports.js';
import { clockOutput, devClockFor } from './dev-clock-access.js';

export async function getDevClock(devClock: DevClockControl | undefined, store: Store, ctx: CallContext, input: unknown) {
  return clockOutput((await devClockFor(devClock, store, ctx, 'GetDevClock', input)).state());
}
