import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AES_256_KEY_BYTES, GCM_IV_BYTES, GCM_TAG_BYTES, gcmOpen, gcmSeal } from './aes-gcm.js';
import type { KeyObject } from 'node:crypto';
import { parsePrivateKey } from './key-pairs.js';
import type { Random } from './random.js';

/**
 * The root key wraps every secret Locksmith stores (key material, access-key secrets).
 * Wrapped blob: version (1) | root key id (8) | IV (12) | tag (16) | ciphertext.
 * The caller supplies AAD that binds the blob to what it protects (e.g. key ARN + material id),
 * so a wrapped value moved to another row fails to unwrap.
 */
const WRAP_VERSION = 1;
const ROOT_ID_BYTES = 8;

export class RootKeyring {
  private constructor(
    private readonly key: Buffer,
    readonly id: Buffer,
    private readonly random: Random,
  ) {}

  static fromBytes(key: Buffer, random: Random): RootKeyring {
    if (key.length !== AES_256_KEY_BYTES) throw new Error(`root key must be ${AES_256_KEY_BYTES} bytes, got ${key.length}`);
    const id = createHash('sha256').update('locksmith root key id').update(key).digest().subarray(0, ROOT_ID_BYTES);
    return new RootKeyring(Buffer.from(key), id, random);
  }

  /**
   * Loads the root key file, creating it (mode 0600) with fresh random bytes when `create` is set
   * and it does not exist. The file holds the 32 key bytes, base64-encoded.
   */
  static fromFile(path: string, random: Random, create: boolean): RootKeyring {
    if (!existsSync(path)) {
      if (!create) throw new Error(`root key file ${path} does not exist`);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, random.bytes(AES_256_KEY_BYTES).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600);
    }
    const text = readFileSync(path, 'utf8').trim();
    return RootKeyring.fromBytes(Buffer.from(text, 'base64'), random);
  }

  /** Whether the root key is in memory and usable (readiness). */
  get loaded(): boolean {
    return this.key.length === AES_256_KEY_BYTES;
  }

  wrap(secret: Buffer, aad: string): Buffer {
    const iv = this.random.bytes(GCM_IV_BYTES);
    const header = Buffer.concat([Buffer.from([WRAP_VERSION]), this.id]);
    const { ciphertext, tag } = gcmSeal(this.key, iv, secret, Buffer.concat([header, Buffer.from(aad, 'utf8')]));
    return Buffer.concat([header, iv, tag, ciphertext]);
  }

  /**
   * A keyed digest of `data` for one purpose: HMAC-SHA256 under a key derived from the root key
   * with HKDF-SHA256 (RFC 5869, info = purpose). Without the root key it reveals nothing.
   */
  keyedDigest(purpose: string, data: Buffer): Buffer {
    const key = Buffer.from(hkdfSync('sha256', this.key, Buffer.alloc(0), `locksmith:${purpose}`, AES_256_KEY_BYTES));
    try {
      return createHmac('sha256', key).update(data).digest();
    } finally {
      key.fill(0);
    }
  }

  /** An unwrapped PKCS#8 private key parsed for use; the caching keyring (unwrap-cache.ts) keeps it parsed. */
  privateKey(pkcs8: Buffer): KeyObject {
    return parsePrivateKey(pkcs8);
  }

  /** Throws when the blob was not wrapped by this root key for this AAD: stored data is corrupt. */
  unwrap(blob: Buffer, aad: string): Buffer {
    const headerLen = 1 + ROOT_ID_BYTES;
    if (blob.length < headerLen + GCM_IV_BYTES + GCM_TAG_BYTES || blob[0] !== WRAP_VERSION) {
      throw new Error('wrapped secret has an unknown format');
    }
    const header = blob.subarray(0, headerLen);
    if (!header.subarray(1).equals(this.id)) throw new Error('wrapped secret belongs to another root key');
    const iv = blob.subarray(headerLen, headerLen + GCM_IV_BYTES);
    const tag = blob.subarray(headerLen + GCM_IV_BYTES, headerLen + GCM_IV_BYTES + GCM_TAG_BYTES);
    const body = blob.subarray(headerLen + GCM_IV_BYTES + GCM_TAG_BYTES);
    const plain = gcmOpen(this.key, iv, body, tag, Buffer.concat([header, Buffer.from(aad, 'utf8')]));
    if (!plain) throw new Error('wrapped secret failed authentication');
    return plain;
  }
}
