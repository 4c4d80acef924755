import { createPrivateKey, timingSafeEqual } from 'node:crypto';
import type { KeyLifecycle, KmsKey } from '../../domain/key.js';
import { KEY_SPECS } from '../../domain/key-specs.js';
import { mlDsaPublicKey } from '../../crypto/ml-dsa.js';
import { mlKemPublicKey } from '../../crypto/ml-kem.js';
import type { RootKeyring } from '../../crypto/root-keyring.js';
import { UnsupportedOperationException } from '../../errors/aws-error.js';
import type { StoredKeyMaterial } from '../../store/ports.js';

/** What ImportKeyMaterial, DeleteImportedKeyMaterial and the expiry task share about imported material. */

/** Import operations need an EXTERNAL key (kms-facts.md, UnsupportedOperationException). */
export function assertExternal(key: KmsKey): void {
  if (key.origin !== 'EXTERNAL') throw UnsupportedOperationException(`${key.arn} origin is ${key.origin} which is not valid for this operation.`);
}

// Unverified: AWS's exact HMAC lengths; Locksmith accepts from the digest length up to the hash's block size.
const HMAC_KEY_BYTES: Record<string, [number, number]> = {
  HMAC_224: [28, 64],
  HMAC_256: [32, 64],
  HMAC_384: [48, 128],
  HMAC_512: [64, 128],
};

function pkcs8For(key: KmsKey, material: Buffer): Buffer | undefined {
  const params = KEY_SPECS[key.keySpec]?.keyPair;
  if (!params) return undefined;
  if (params.kind === 'ml-kem') {
    // Unverified: that AWS imports ML-KEM keys, and in which PKCS#8 form; Locksmith takes the seed form it stores.
    try {
      mlKemPublicKey(params.parameterSet, material);
      return Buffer.from(material);
    } catch {
      return undefined;
    }
  }
  if (params.kind === 'ml-dsa') {
    // Unverified: that AWS imports ML-DSA keys, and in which PKCS#8 form; Locksmith takes the seed form it stores.
    try {
      mlDsaPublicKey(params.parameterSet, material);
      return Buffer.from(material);
    } catch {
      return undefined;
    }
  }
  try {
    const k = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    const d = k.asymmetricKeyDetails ?? {};
    const fits =
      (params.kind === 'rsa' && k.asymmetricKeyType === 'rsa' && d.modulusLength === params.modulusBits) ||
      (params.kind === 'ec' && k.asymmetricKeyType === 'ec' && d.namedCurve === params.namedCurve) ||
      (params.kind === 'ed25519' && k.asymmetricKeyType === 'ed25519');
    // Re-encoded, so equivalent encodings of one private key are the same material.
    return fits ? k.export({ type: 'pkcs8', format: 'der' }) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The key material as Locksmith stores it, when it suits the key spec ("Requirements for imported
 * key material"): 32 bytes for SYMMETRIC_DEFAULT, HMAC key bytes, or a PKCS#8 DER private key of
 * the spec's algorithm and size. Undefined otherwise (IncorrectKeyMaterialException).
 */
export function materialForSpec(key: KmsKey, material: Buffer): Buffer | undefined {
  if (key.keySpec === 'SYMMETRIC_DEFAULT') return material.length === 32 ? Buffer.from(material) : undefined;
  const hmac = HMAC_KEY_BYTES[key.keySpec];
  if (hmac) return material.length >= hmac[0] && material.length <= hmac[1] ? Buffer.from(material) : undefined;
  return pkcs8For(key, material);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Account, key id and material, length-prefixed so no two inputs encode alike. */
function identityInput(key: KmsKey, material: Buffer): Buffer {
  const parts = [Buffer.from(key.account), Buffer.from(key.keyId), material];
  return Buffer.concat(parts.flatMap((p) => [u32(p.length), p]));
}

/**
 * KeyMaterialId of imported material: "KMS assigns a unique identifier to the key material based
 * on the KMS key ID and the imported key material" (ImportKeyMaterial, KeyMaterialId), with a
 * cryptographic hash so it reveals nothing of the material (AWS Security Blog, "How to use
 * on-demand rotation for AWS KMS imported keys"). Keyed under the root key, 64 hex digits; the same
 * in every Region of a Multi-Region key, different for the same material in another key.
 */
export function importedMaterialId(keyring: RootKeyring, key: KmsKey, material: Buffer): string {
  const input = identityInput(key, material);
  try {
    return keyring.keyedDigest('imported-key-material-id:v1', input).toString('hex');
  } finally {
    input.fill(0);
  }
}

/** Keyed fingerprint kept after the material is deleted or expires, so a re-import can be checked. */
export function materialFingerprint(keyring: RootKeyring, key: KmsKey, material: Buffer): Buffer {
  const input = identityInput(key, material);
  try {
    return keyring.keyedDigest('imported-key-material-fingerprint:v1', input);
  } finally {
    input.fill(0);
  }
}

export function sameFingerprint(stored: Buffer | undefined, computed: Buffer): boolean {
  return stored !== undefined && stored.length === computed.length && timingSafeEqual(stored, computed);
}

/** The material's row once its bytes are gone (deleted or expired): metadata and fingerprint stay. */
export function withoutMaterial(m: StoredKeyMaterial): StoredKeyMaterial {
  return { ...m, wrapped: undefined, importState: 'PENDING_IMPORT', expirationModel: undefined, validTo: undefined };
}

/** The key's materials with `changed` rows replacing those of the same id (or added). */
export function mergeMaterials(materials: StoredKeyMaterial[], changed: StoredKeyMaterial[]): StoredKeyMaterial[] {
  const byId = new Map(materials.map((m) => [m.keyMaterialId, m]));
  for (const m of changed) byId.set(m.keyMaterialId, m);
  return [...byId.values()];
}

/**
 * Key state after imported material came or went. "The KMS key can be used in cryptographic
 * operations only when all key materials permanently associated with it are imported. If you
 * delete or let any of them expire, the key state changes to PendingImport" ("Import key
 * material"); material pending rotation is not permanently associated. A key pending deletion
 * keeps its state (DeleteImportedKeyMaterial); a Disabled key stays Disabled once complete.
 */
export function lifecycleAfterImportChange(key: KmsKey, materials: StoredKeyMaterial[]): KeyLifecycle {
  const l = key.lifecycle;
  if (l.state === 'PendingDeletion' || l.state === 'PendingReplicaDeletion' || l.state === 'Unavailable') return l;
  const permanent = materials.filter((m) => !m.pendingRotation);
  const complete = permanent.length > 0 && permanent.every((m) => m.wrapped !== undefined);
  if (!complete) return { state: 'PendingImport' };
  return l.state === 'PendingImport' ? { state: 'Enabled' } : l;
}

/** KeyMaterialId appears in import responses of symmetric encryption keys only. */
export const exposesMaterialId = (key: KmsKey) => key.keySpec === 'SYMMETRIC_DEFAULT';
