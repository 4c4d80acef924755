import type { Random } from '../crypto/random.js';
import type { KeyStore, Store } from '../store/ports.js';
import type { Clock } from '../util/clock.js';
import { deleteKeyEvent } from './event-builder.js';
import type { AuditRecorder } from './recorder.js';

/**
 * A store whose key destruction is audited: when a key pending deletion is destroyed (by the
 * deletion sweeper, or lazily when a request finds its deletion date passed), the DeleteKey
 * service event is committed first, as AWS KMS records one at the end of the waiting period.
 * If it cannot be recorded the key is not destroyed yet; the next sweep tries again.
 */
export function withAuditedKeyDeletion(store: Store, recorder: AuditRecorder, clock: Clock, random: Random): Store {
  const keys = Object.create(store.keys) as KeyStore;
  keys.destroy = async (ref, dueAt) => {
    const key = await store.keys.get(ref);
    const l = key?.lifecycle;
    // With `dueAt` the store destroys only a key still due then; one that is not gets no event.
    if (l?.state === 'PendingDeletion' && (dueAt === undefined || l.deletionDate.getTime() <= dueAt.getTime())) {
      await recorder.record([deleteKeyEvent(ref, clock.now(), random)]);
    }
    return store.keys.destroy(ref, dueAt);
  };
  return { ...store, keys };
}
