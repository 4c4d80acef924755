/**
 * How a node learns that another node changed the shared store (PostgreSQL: LISTEN/NOTIFY plus a
 * change counter, src/store/postgres/notifications.ts). The read cache (read-cache.ts) subscribes
 * with `onChange` and calls `sync` at the start of every request.
 */
export interface ChangeFeed {
  /** `listener` runs whenever cached state may be stale: a change by any node, a lost connection. */
  onChange(listener: () => void): void;
  /**
   * Resolves once every write acknowledged more than the feed's staleness bound ago (≤ 50 ms) is
   * known to this node, having called the listeners first if one changed anything. Rejects when
   * the store cannot be asked (the request then fails as the store would).
   */
  sync(): Promise<void>;
}
