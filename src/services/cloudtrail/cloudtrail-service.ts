import type { CallContext } from '../../domain/call-context.js';
import type { Store } from '../../store/ports.js';
import { lookupEvents } from './lookup-events.js';

/** The CloudTrail API over the audit trail (Locksmith implements LookupEvents), built by the composition root. */
export class CloudTrailService {
  constructor(private readonly store: Store) {}

  lookupEvents(input: unknown, ctx: CallContext): Promise<unknown> {
    return lookupEvents(input, ctx, this.store);
  }
}
