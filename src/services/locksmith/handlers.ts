/** The LocksmithService operations, one file each, bound to the server's parts. */
import type { RootKeyring } from '../../crypto/root-keyring.js';
import type { LocksmithHandlers } from './operations.js';
import type { DevClockControl } from './dev-clock-control.js';
import type { Store } from '../../store/ports.js';
import type { Clock } from '../../util/clock.js';
import { ExplainService } from '../explain/explain-service.js';
import type { ExplainDeps } from '../explain/gather.js';
import { advanceDevClock } from './advance-dev-clock.js';
import { getDevClock } from './get-dev-clock.js';
import { setDevClock } from './set-dev-clock.js';
import { verifyAuditTrailCall } from './verify-audit-trail.js';

export function locksmithHandlers(deps: { store: Store; keyring: RootKeyring; clock: Clock; s3?: ExplainDeps['s3']; devClock?: DevClockControl }): LocksmithHandlers {
  return {
    Explain: (ctx, input) => new ExplainService({ store: deps.store, s3: deps.s3, clock: deps.clock }).explain(ctx, input),
    VerifyAuditTrail: (ctx, input) => verifyAuditTrailCall(deps.store, deps.keyring, ctx, input),
    GetDevClock: (ctx, input) => getDevClock(deps.devClock, deps.store, ctx, input),
    AdvanceDevClock: (ctx, input) => advanceDevClock(deps.devClock, deps.store, ctx, input),
    SetDevClock: (ctx, input) => setDevClock(deps.devClock, deps.store, ctx, input),
  };
}
