import { KMSInternalException } from '../../errors/aws-error.js';

/**
 * UpdateAlias and DeleteAlias check the key an alias points to (its key policy, its type) and then
 * write with compare-and-set on that target (issue 11, finding 2): if another call retargeted the
 * alias in between, the checks run again on the new target instead of writing on a stale one.
 * Each retry means another writer committed, so a few attempts always suffice in practice.
 */
const MAX_ATTEMPTS = 16;

/** Runs `attempt` until it reports that its compare-and-set write took effect. */
export async function retryOnAliasChange<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const done = await attempt();
    if (done !== undefined) return done;
  }
  // Unverified: AWS has no answer for this; the modelled fault KMSInternalException, never reached in tests.
  throw KMSInternalException('The alias changed too often while this request was processed. Try again.');
}
