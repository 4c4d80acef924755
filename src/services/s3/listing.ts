/**
 * Listing keys with prefix, delimiter (rolled up into CommonPrefixes), a start position and a
 * page size, in UTF-8 binary order (S3 User Guide, "Organizing objects using prefixes"). A
 * common prefix counts as one entry towards max-keys; a position at or past a common prefix skips it.
 */
import { InvalidArgument } from '../../errors/s3-errors.js';
import { utf8Compare, type S3Object, type S3Store } from '../../store/s3-ports.js';

export interface Listing {
  contents: S3Object[];
  commonPrefixes: string[];
  truncated: boolean;
  /** The last key or common prefix returned (the next page starts after it). */
  last?: string;
}

/** Past every key that starts with a prefix (U+10FFFF sorts last in UTF-8). */
const AFTER_PREFIX = '\u{10FFFF}';

export async function listKeys(store: S3Store, bucket: string, prefix: string, delimiter: string, after: string, maxKeys: number): Promise<Listing> {
  const out: Listing = { contents: [], commonPrefixes: [], truncated: false };
  let cursor = after;
  let count = 0;
  for (;;) {
    const batch = await store.listObjects(bucket, prefix, cursor, 1000);
    if (batch.length === 0) return out;
    let skipTo: string | undefined;
    for (const o of batch) {
      const rest = o.key.slice(prefix.length);
      const at = delimiter === '' ? -1 : rest.indexOf(delimiter);
      const common = at < 0 ? undefined : prefix + rest.slice(0, at + delimiter.length);
      if (common !== undefined && utf8Compare(common, after) <= 0) continue;
      if (count >= maxKeys) {
        out.truncated = true;
        return out;
      }
      count++;
      if (common !== undefined) {
        out.commonPrefixes.push(common);
        out.last = common;
        skipTo = common + AFTER_PREFIX;
        break;
      }
      out.contents.push(o);
      out.last = o.key;
    }
    cursor = skipTo ?? batch[batch.length - 1]!.key;
    if (skipTo === undefined && batch.length < 1000) return out;
  }
}

export function maxKeysOf(v: string | undefined): number {
  if (v === undefined) return 1000;
  if (!/^\d+$/.test(v)) throw InvalidArgument('Provided max-keys not an integer or within integer range');
  return Math.min(Number(v), 1000);
}

/** encoding-type=url: keys and prefixes URL-encoded in the response. */
export function encoderFor(encodingType: string | undefined): (s: string) => string {
  if (encodingType === undefined) return (s) => s;
  if (encodingType !== 'url') throw InvalidArgument('Invalid Encoding Method specified in Request');
  // Unverified: S3 leaves '/' unencoded in url-encoded listings (as urllib's quote does).
  return (s) => encodeURIComponent(s).replace(/%2F/g, '/');
}
