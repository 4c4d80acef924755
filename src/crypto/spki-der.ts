/**
 * Whether bytes have the DER shape of a SubjectPublicKeyInfo (RFC 5280 §4.1):
 * SEQUENCE { AlgorithmIdentifier SEQUENCE, subjectPublicKey BIT STRING }, definite lengths in
 * minimal form, nothing trailing. Says nothing about the key itself (curve, point, type).
 */
export function hasSpkiDerShape(der: Buffer): boolean {
  const outer = readTlv(der, 0);
  if (!outer || outer.tag !== 0x30 || outer.end !== der.length) return false;
  const algorithm = readTlv(der, outer.bodyStart);
  if (!algorithm || algorithm.tag !== 0x30) return false;
  const key = readTlv(der, algorithm.end);
  return key !== undefined && key.tag === 0x03 && key.end === outer.end;
}

/** One DER tag-length-value at `at` (single-byte tags, lengths up to 4 bytes); undefined if malformed. */
function readTlv(der: Buffer, at: number): { tag: number; bodyStart: number; end: number } | undefined {
  if (at + 2 > der.length) return undefined;
  const tag = der[at]!;
  let length = der[at + 1]!;
  let bodyStart = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || bodyStart + count > der.length || der[bodyStart] === 0) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[bodyStart + i]!;
    if (length < 0x80) return undefined;
    bodyStart += count;
  }
  const end = bodyStart + length;
  return end <= der.length ? { tag, bodyStart, end } : undefined;
}
