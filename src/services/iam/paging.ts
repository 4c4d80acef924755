import { ValidationError } from '../../errors/aws-error.js';
import { MAX_ITEMS, markerRule, type QueryInput } from './query-input.js';

/**
 * IAM list paging (IAM API Reference, "ListUsers": MaxItems 1–1000, default 100; IsTruncated and
 * an opaque Marker to pass back). The marker encodes the position in the sorted listing.
 */
export function paginate<T>(all: readonly T[], input: QueryInput): { items: T[]; IsTruncated: boolean; Marker?: string } {
  const maxItems = input.int('MaxItems', MAX_ITEMS) ?? 100;
  const marker = input.string('Marker', markerRule);
  let start = 0;
  if (marker !== undefined) {
    const m = /^lsm1:(\d+)$/.exec(Buffer.from(marker, 'base64url').toString('latin1'));
    if (!m) throw ValidationError('Invalid Marker.');
    start = Number(m[1]);
  }
  const items = all.slice(start, start + maxItems);
  const end = start + items.length;
  if (end >= all.length) return { items, IsTruncated: false };
  return { items, IsTruncated: true, Marker: Buffer.from(`lsm1:${end}`, 'latin1').toString('base64url') };
}

/** PathPrefix filters (IAM API Reference, "ListUsers": PathPrefix, default `/` = everything). */
export function byPathPrefix<T extends { path: string }>(items: readonly T[], prefix: string | undefined): T[] {
  return prefix === undefined ? [...items] : items.filter((i) => i.path.startsWith(prefix));
}
