/**
 * Checksums of multipart uploads (S3 User Guide, "Checking object integrity": "Using part-level
 * checksums for multipart uploads"; S3 API Reference, CreateMultipartUpload / UploadPart /
 * CompleteMultipartUpload). CreateMultipartUpload names the algorithm and the type: COMPOSITE
 * (default; the checksum of the parts' checksums, "-N") or FULL_OBJECT (CRC32/CRC32C only; the
 * CRC of the whole object). Every part then carries that algorithm's checksum; completion lists
 * each part's checksum (required for COMPOSITE). Error texts as S3 answers them (Swift s3api
 * tests against AWS, versitygw s3err, boto/s3transfer captures).
 */
import { compositeChecksum, fullObjectCrc, parseChecksumAlgorithm, CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from '../../crypto/checksums.js';
import { InvalidRequest, s3Error } from '../../errors/s3-errors.js';
import type { AwsError } from '../../errors/aws-error.js';
import type { S3Checksum, S3Part, S3Upload } from '../../store/s3-ports.js';
import { badDigest, declaredChecksum } from './checksum-headers.js';

const NOT_IMPLEMENTED = ['CRC64NVME', 'SHA512', 'MD5', 'XXHASH64', 'XXHASH3', 'XXHASH128'];

/** An x-amz-checksum-algorithm value (CreateMultipartUpload, CopyObject), validated. */
export function requestedAlgorithm(value: string): ChecksumAlgorithm {
  const algorithm = parseChecksumAlgorithm(value);
  if (algorithm !== undefined) return algorithm;
  const name = value.trim().toUpperCase();
  if (NOT_IMPLEMENTED.includes(name)) {
    throw s3Error('NotImplemented', `A header you provided implies functionality that is not implemented (x-amz-checksum-algorithm: ${name}).`);
  }
  throw InvalidRequest('Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, MD5, SHA1, SHA256, SHA512, XXHASH128, XXHASH3, XXHASH64]');
}

/** CreateMultipartUpload's x-amz-checksum-algorithm and x-amz-checksum-type, validated; undefined when none. */
export function uploadChecksumOf(headers: Record<string, string>): S3Upload['checksum'] {
  const algorithmHeader = headers['x-amz-checksum-algorithm'];
  const typeHeader = headers['x-amz-checksum-type'];
  if (algorithmHeader === undefined) {
    if (typeHeader !== undefined) throw InvalidRequest('The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.');
    return undefined;
  }
  const algorithm = requestedAlgorithm(algorithmHeader);
  const type = typeHeader === undefined ? 'COMPOSITE' : typeHeader.trim().toUpperCase();
  // Unverified: S3's text for an x-amz-checksum-type outside the enum (the model's COMPOSITE | FULL_OBJECT).
  if (type !== 'COMPOSITE' && type !== 'FULL_OBJECT') throw InvalidRequest('Value for x-amz-checksum-type header is invalid.');
  if (type === 'FULL_OBJECT' && (algorithm === 'SHA1' || algorithm === 'SHA256')) {
    throw InvalidRequest(`The FULL_OBJECT checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`);
  }
  return { algorithm, type };
}

/** UploadPart (before the body): a part of an upload created with an algorithm carries that algorithm's checksum. */
export function checkPartChecksum(upload: S3Upload, headers: Record<string, string>): void {
  const actual = declaredChecksum(headers)?.algorithm;
  const expected = upload.checksum?.algorithm;
  // Unverified: for FULL_OBJECT uploads whether S3 also refuses a part sent without a checksum.
  if (expected !== undefined && actual !== expected) {
    throw InvalidRequest(`Checksum Type mismatch occurred, expected checksum Type: ${expected.toLowerCase()}, actual checksum Type: ${actual?.toLowerCase() ?? 'null'}`);
  }
}

type ListedPart = Record<string, unknown> & { PartNumber?: unknown };

/**
 * CompleteMultipartUpload: checks the checksums listed for each part against the stored ones and
 * returns the object's checksum (undefined for an upload created without an algorithm).
 */
export function completedChecksum(
  upload: S3Upload, listed: ListedPart[], chosen: S3Part[], headers: Record<string, string>, invalidPart: () => AwsError,
): S3Checksum | undefined {
  const named = (entry: ListedPart) => CHECKSUM_ALGORITHMS.filter((a) => typeof entry[`Checksum${a}`] === 'string');
  if (upload.checksum === undefined) {
    // An upload without an algorithm stores none; a part checksum listed at completion matches nothing.
    if (listed.some((e) => named(e).length > 0)) throw invalidPart();
    return undefined;
  }
  const { algorithm, type } = upload.checksum;
  const typeHeader = headers['x-amz-checksum-type'];
  if (typeHeader !== undefined && typeHeader.trim().toUpperCase() !== type) {
    throw InvalidRequest(`The upload was created using the ${type} checksum mode. The complete request must use the same checksum mode.`);
  }
  chosen.forEach((part, i) => {
    const entry = listed[i]!;
    const given = entry[`Checksum${algorithm}`];
    if (named(entry).some((a) => a !== algorithm)) throw invalidPart();
    if (given === undefined) {
      if (type === 'COMPOSITE') {
        throw InvalidRequest(`The upload was created using a ${algorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${part.partNumber} in the request.`);
      }
    } else if (part.checksum?.value !== String(given).trim()) {
      throw invalidPart();
    }
    if (part.checksum?.algorithm !== algorithm) throw invalidPart();
  });
  const sums = chosen.map((p) => ({ checksum: p.checksum!.value, size: p.size }));
  const value = type === 'COMPOSITE'
    ? compositeChecksum(algorithm, sums.map((s) => s.checksum))
    : fullObjectCrc(algorithm as 'CRC32' | 'CRC32C', sums);
  // The object's checksum may also come as a header on the completion (S3 API Reference, CompleteMultipartUpload).
  const declared = headers[`x-amz-checksum-${algorithm.toLowerCase()}`];
  // Unverified: S3's code when that header disagrees with the computed value (BadDigest as for a body).
  if (declared !== undefined && declared.trim() !== value && declared.trim() !== value.replace(/-\d+$/, '')) throw badDigest(algorithm);
  return { algorithm, value, type };
}
