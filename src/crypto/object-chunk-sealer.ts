/**
 * The sealing half of the object chunk format (object-chunks.ts has the format and the reader):
 * the same bytes, built for throughput. The nonce and AAD of each chunk are written into buffers
 * made once per segment (node:crypto copies both when a cipher is made), and a sealed chunk is
 * handed out as the pieces the cipher produced (ciphertext, tag) for one vectored write, never
 * joined into a new buffer.
 */
import { createCipheriv } from 'node:crypto';
import { AES_256_KEY_BYTES, GCM_IV_BYTES, GCM_TAG_BYTES } from './aes-gcm.js';

export const CHUNK_BYTES = 64 * 1024;
const FORMAT_VERSION = 1;
const AAD_LABEL = Buffer.from('locksmith:s3-chunk:v1', 'utf8');

/** What binds a segment's chunks: the layer keys (1 or 2, outermost last), the object's identity and the segment's number. */
export interface SegmentKeys {
  keys: Buffer[];
  binding: Buffer;
  segment: number;
}

export function checkKeys(k: SegmentKeys): void {
  if (k.keys.length < 1 || k.keys.length > 2 || k.keys.some((key) => key.length !== AES_256_KEY_BYTES)) throw new Error('segment keys must be one or two 32-byte keys');
  if (!Number.isInteger(k.segment) || k.segment < 0 || k.segment > 0xffffffff) throw new Error('segment number out of range');
}

/** Seals one segment's chunks in order: header first, then chunk 0, 1, …; the caller says which one is final. */
export class SegmentSealer {
  private readonly nonce: Buffer;
  private readonly aad: Buffer;
  /** Offset of the layer byte in `aad` (label | layer | segment | index | final | binding). */
  private readonly at = AAD_LABEL.length;
  private index = 0;
  private finished = false;

  constructor(private readonly k: SegmentKeys, private readonly baseNonce: Buffer) {
    checkKeys(k);
    if (baseNonce.length !== GCM_IV_BYTES) throw new Error('base nonce must be 12 bytes');
    this.nonce = Buffer.from(baseNonce);
    this.aad = Buffer.concat([AAD_LABEL, Buffer.alloc(1 + 4 + 8 + 1), k.binding]);
    this.aad.writeUInt32BE(k.segment, this.at + 1);
  }

  /** version (1) | layers (1) | reserved (2) | base nonce (12). */
  header(): Buffer {
    return Buffer.concat([Buffer.from([FORMAT_VERSION, this.k.keys.length, 0, 0]), this.baseNonce]);
  }

  /**
   * The next chunk (at most CHUNK_BYTES of plaintext) sealed, as pieces to write in order. Chunk i's
   * nonce is the base nonce XOR i (big-endian, last 8 bytes); no chunk may follow the final one.
   */
  seal(plain: Uint8Array, final: boolean): Buffer[] {
    if (this.finished) throw new Error('segment already finished');
    if (plain.length > CHUNK_BYTES) throw new Error('chunk too large');
    const index = this.index++;
    this.finished = final;
    const hi = Math.floor(index / 0x1_0000_0000);
    this.nonce.writeUInt32BE((this.baseNonce.readUInt32BE(4) ^ hi) >>> 0, 4);
    this.nonce.writeUInt32BE((this.baseNonce.readUInt32BE(8) ^ index) >>> 0, 8);
    this.aad.writeUInt32BE(hi, this.at + 5);
    this.aad.writeUInt32BE(index >>> 0, this.at + 9);
    this.aad.writeUInt8(final ? 1 : 0, this.at + 13);
    let pieces: Uint8Array[] = [plain];
    for (let layer = 0; layer < this.k.keys.length; layer++) {
      this.aad.writeUInt8(layer, this.at);
      const cipher = createCipheriv('aes-256-gcm', this.k.keys[layer]!, this.nonce, { authTagLength: GCM_TAG_BYTES });
      cipher.setAAD(this.aad);
      // GCM is a stream cipher: the pieces of the inner layer are encrypted in turn, never joined.
      const out = pieces.map((p) => cipher.update(p));
      const last = cipher.final();
      if (last.length > 0) out.push(last);
      out.push(cipher.getAuthTag());
      pieces = out;
    }
    return pieces as Buffer[];
  }
}
