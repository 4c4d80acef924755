import { createHash } from 'node:crypto';
import type { SeedGrant } from './seed-types.js';

/**
 * Identifiers the seed derives instead of drawing at random, so that applying the same seed on
 * any machine produces the same ciphertext headers and the same grant ids.
 */

/**
 * The key material id of seeded material: SHA-256 of a fixed label and the material (hex, the
 * 32-byte id the ciphertext format records). The same material always has the same id, so a
 * ciphertext made on one machine names material that exists on another seeded the same way.
 */
export function seededKeyMaterialId(material: Buffer): string {
  return createHash('sha256').update('locksmith:seed:key-material-id:v1\0').update(material).digest('hex');
}

/**
 * Grant id (64 hex digits) from the grant's account, key and content: reapplying the seed finds
 * the grant it created before; a changed grant entry is a different grant.
 */
export function seededGrantId(account: string, grant: SeedGrant): string {
  const canonical = JSON.stringify([
    account,
    grant.region,
    grant.keyId,
    grant.name ?? null,
    grant.granteePrincipal,
    grant.retiringPrincipal ?? null,
    [...grant.operations].sort(),
    sortedEntries(grant.constraints?.EncryptionContextEquals),
    sortedEntries(grant.constraints?.EncryptionContextSubset),
  ]);
  return createHash('sha256').update('locksmith:seed:grant-id:v1\0').update(canonical).digest('hex');
}

const sortedEntries = (m: Record<string, string> | undefined) =>
  m === undefined ? null : Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
