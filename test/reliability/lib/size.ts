/**
 * Reliability test size: LOCKSMITH_RELIABILITY=full runs the full sizes (long, for release
 * checks); anything else (the default) runs the reduced sizes that fit in CI.
 */
export type ReliabilitySize = 'full' | 'reduced';

export function reliabilitySize(): ReliabilitySize {
  return process.env.LOCKSMITH_RELIABILITY === 'full' ? 'full' : 'reduced';
}

export const bySize = <T>(reduced: T, full: T): T => (reliabilitySize() === 'full' ? full : reduced);
