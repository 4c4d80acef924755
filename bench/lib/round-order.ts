/**
 * The order in which round `round` measures `items`: rotated by one each round. A server measured
 * right after another pays for what that one left behind (~5 % in an A/A run of
 * bench/hot-path.bench.ts, probably the disk still busy with its writes; bench/README.md, fifteenth
 * pass), so no item may always follow the same one. With two items an even number of rounds cancels it.
 */
export function inRoundOrder<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
