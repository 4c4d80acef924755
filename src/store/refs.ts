/** Small record types shared by the store ports (ports.ts re-exports them). */

/** A page of results; `next` is the opaque position to continue from. */
export interface Page<T> {
  items: T[];
  next?: string;
}

export interface KeyRef {
  account: string;
  region: string;
  keyId: string;
}
