import { GCM_IV_BYTES, GCM_TAG_BYTES, gcmOpen, gcmSealInto } from '../crypto/aes-gcm.js';
import { encodeEncryptionContext, type EncryptionContext } from './encryption-context.js';

/**
 * Locksmith symmetric ciphertext blob, format version 1.
 *
 *   offset  size  field
 *   0       1     version = 0x01
 *   1       12    owning account id, ASCII digits
 *   13      1     key id length L (1..64)
 *   14      L     key id, ASCII (UUID or mrk- id)
 *   14+L    32    key material id (which version of the key's material sealed this)
 *   46+L    12    AES-GCM IV, fresh random per encryption
 *   58+L    16    AES-GCM tag
 *   74+L    n     AES-256-GCM ciphertext
 *
 * AAD = header (bytes 0 .. 46+L) || canonical encryption context, so neither the key identity,
 * the material id nor the context can be changed without the tag failing.
 * Frozen known-answer vectors in test/vectors/ciphertext-v1.json keep this format decryptable.
 */
export const CIPHERTEXT_VERSION_1 = 0x01;
export const KEY_MATERIAL_ID_BYTES = 32;
const ACCOUNT_BYTES = 12;
const MAX_KEY_ID_BYTES = 64;

export interface CiphertextHeader {
  account: string;
  keyId: string;
  /** Hex of the 32-byte key material id. */
  keyMaterialId: string;
}

export interface ParsedCiphertext extends CiphertextHeader {
  header: Buffer;
  iv: Buffer;
  tag: Buffer;
  body: Buffer;
}

const KEY_ID = /^[A-Za-z0-9-]+$/;

const ACCOUNT = /^\d{12}$/;
const MATERIAL_ID = /^[0-9a-f]{64}$/;

/** The header (bytes 0 .. 46+L) written at the start of `out`; returns its length. */
function writeHeader(h: CiphertextHeader, out: Buffer): number {
  const keyIdAt = 1 + ACCOUNT_BYTES + 1;
  const materialAt = keyIdAt + h.keyId.length;
  out[0] = CIPHERTEXT_VERSION_1;
  out.write(h.account, 1, ACCOUNT_BYTES, 'ascii');
  out[1 + ACCOUNT_BYTES] = h.keyId.length;
  out.write(h.keyId, keyIdAt, 'ascii');
  out.write(h.keyMaterialId, materialAt, KEY_MATERIAL_ID_BYTES, 'hex');
  return materialAt + KEY_MATERIAL_ID_BYTES;
}

function checkHeader(h: CiphertextHeader): void {
  if (!ACCOUNT.test(h.account)) throw new Error('account must be 12 digits');
  if (!KEY_ID.test(h.keyId) || h.keyId.length > MAX_KEY_ID_BYTES) throw new Error('key id must be 1-64 of [A-Za-z0-9-]');
  if (!MATERIAL_ID.test(h.keyMaterialId)) throw new Error('key material id must be 64 lowercase hex digits');
}

/**
 * Seals plaintext under one version of a key's material. `iv` is injected so vectors can be frozen.
 * The blob is one buffer: header, IV, tag and ciphertext are written in place (no concatenations).
 */
export function sealCiphertext(
  header: CiphertextHeader,
  material: Buffer,
  plaintext: Buffer,
  context: EncryptionContext | undefined,
  iv: Buffer,
): Buffer {
  if (iv.length !== GCM_IV_BYTES) throw new Error('IV must be 12 bytes');
  checkHeader(header);
  const headBytes = 1 + ACCOUNT_BYTES + 1 + header.keyId.length + KEY_MATERIAL_ID_BYTES;
  const ivAt = headBytes;
  const tagAt = ivAt + GCM_IV_BYTES;
  const bodyAt = tagAt + GCM_TAG_BYTES;
  const blob = Buffer.allocUnsafe(bodyAt + plaintext.length);
  writeHeader(header, blob);
  iv.copy(blob, ivAt);
  const aad = encodeEncryptionContext(context, blob.subarray(0, headBytes));
  gcmSealInto(material, iv, plaintext, aad, blob.subarray(bodyAt), blob.subarray(tagAt, bodyAt));
  return blob;
}

/** Reads the header without decrypting; undefined for anything that is not a v1 blob. */
export function parseCiphertext(blob: Buffer): ParsedCiphertext | undefined {
  if (blob.length < 14 || blob[0] !== CIPHERTEXT_VERSION_1) return undefined;
  const account = blob.toString('ascii', 1, 1 + ACCOUNT_BYTES);
  if (!ACCOUNT.test(account)) return undefined;
  const keyIdLength = blob[13];
  const materialAt = 14 + keyIdLength;
  const ivAt = materialAt + KEY_MATERIAL_ID_BYTES;
  const tagAt = ivAt + GCM_IV_BYTES;
  const bodyAt = tagAt + GCM_TAG_BYTES;
  if (keyIdLength < 1 || keyIdLength > MAX_KEY_ID_BYTES || blob.length < bodyAt) return undefined;
  const keyId = blob.toString('ascii', 14, materialAt);
  if (!KEY_ID.test(keyId)) return undefined;
  return {
    account,
    keyId,
    keyMaterialId: blob.toString('hex', materialAt, ivAt),
    header: blob.subarray(0, ivAt),
    iv: blob.subarray(ivAt, tagAt),
    tag: blob.subarray(tagAt, bodyAt),
    body: blob.subarray(bodyAt),
  };
}

/** Opens a parsed blob; undefined on any authentication failure. */
export function openCiphertext(parsed: ParsedCiphertext, material: Buffer, context: EncryptionContext | undefined): Buffer | undefined {
  return gcmOpen(material, parsed.iv, parsed.body, parsed.tag, encodeEncryptionContext(context, parsed.header));
}
