/**
 * CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320) and CRC-32C (Castagnoli, reflected
 * 0x82F63B78) at streaming speed: CRC-32 from node:zlib (native, Node ≥ 20.15), CRC-32C by
 * slicing-by-8 tables (Intel, "A Systematic Approach to Building High Performance Software-based
 * CRC Generators", 2005). And the CRC of a concatenation from the CRCs of its pieces (zlib's
 * crc32_combine, GF(2) matrix method), for S3's FULL_OBJECT multipart checksums.
 */
import zlib from 'node:zlib';

export const CRC32_POLY = 0xedb88320;
export const CRC32C_POLY = 0x82f63b78;

function tables(poly: number): Uint32Array[] {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t[0]![n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k]![n] = (t[0]![t[k - 1]![n]! & 0xff]! ^ (t[k - 1]![n]! >>> 8)) >>> 0;
  }
  return t;
}

/** A running CRC over `data`, continuing from `crc` (0 to start); slicing-by-8. */
function sliced(t: Uint32Array[], crc: number, data: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = t as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc >>> 0;
  let i = 0;
  const n = data.length;
  for (; i + 8 <= n; i += 8) {
    const lo = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c = t7[lo & 0xff]! ^ t6[(lo >>> 8) & 0xff]! ^ t5[(lo >>> 16) & 0xff]! ^ t4[lo >>> 24]! ^
      t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
  }
  for (; i < n; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

let crc32cTables: Uint32Array[] | undefined;
let crc32Tables: Uint32Array[] | undefined;

/** CRC-32C of `data`, continuing from `crc`. */
export function crc32c(data: Uint8Array, crc = 0): number {
  crc32cTables ??= tables(CRC32C_POLY);
  return sliced(crc32cTables, crc, data);
}

/** CRC-32 of `data`, continuing from `crc` (zlib's native one where Node has it). */
export function crc32(data: Uint8Array, crc = 0): number {
  const native = (zlib as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  if (native) return native(data, crc) >>> 0;
  crc32Tables ??= tables(CRC32_POLY);
  return sliced(crc32Tables, crc, data);
}

/** GF(2) matrix × vector (zlib crc32.c, gf2_matrix_times). */
function times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i]!;
  return sum >>> 0;
}

function square(out: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) out[n] = times(mat, mat[n]!);
}

/** CRC of A‖B from crc(A), crc(B) and B's length (zlib crc32_combine), for the reflected `poly`. */
export function crcCombine(poly: number, crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  const odd = new Uint32Array(32);
  const even = new Uint32Array(32);
  odd[0] = poly;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  square(even, odd); // 2 zero bits
  square(odd, even); // 4 zero bits
  let a = crcA >>> 0;
  let len = lengthB;
  do {
    square(even, odd);
    if (len % 2 === 1) a = times(even, a);
    len = Math.floor(len / 2);
    if (len === 0) break;
    square(odd, even);
    if (len % 2 === 1) a = times(odd, a);
    len = Math.floor(len / 2);
  } while (len !== 0);
  return (a ^ crcB) >>> 0;
}
