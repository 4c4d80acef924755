import { InvalidMarkerException } from '../../errors/aws-error.js';
import { InvalidPagePositionError, type Page } from '../../store/ports.js';

/**
 * Markers are opaque to clients: a store position, base64url-encoded. A marker Locksmith did
 * not issue is an InvalidMarkerException.
 */
export async function pageWithMarker<T>(
  marker: string | undefined,
  fetch: (after: string | undefined) => Promise<Page<T>>,
): Promise<{ items: T[]; NextMarker?: string; Truncated: boolean }> {
  let after: string | undefined;
  if (marker !== undefined) {
    after = Buffer.from(marker, 'base64url').toString('utf8');
    if (Buffer.from(after, 'utf8').toString('base64url') !== marker) throw invalidMarker();
  }
  let page: Page<T>;
  try {
    page = await fetch(after);
  } catch (e) {
    if (e instanceof InvalidPagePositionError) throw invalidMarker();
    throw e;
  }
  const NextMarker = page.next === undefined ? undefined : Buffer.from(page.next, 'utf8').toString('base64url');
  return { items: page.items, NextMarker, Truncated: NextMarker !== undefined };
}

const invalidMarker = () => InvalidMarkerException('The request was rejected because the marker that specifies where pagination should next begin is not valid.');
