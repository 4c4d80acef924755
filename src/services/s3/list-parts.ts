import { InvalidArgument } from '../../errors/s3-errors.js';
import { xmlDocument } from './s3-xml.js';
import { canonicalUserId } from './bucket-names.js';
import type { S3Env } from './operation.js';
import { uploadOf } from './upload-lookup.js';
import { checksumElements } from './checksum-headers.js';

/** ListParts: parts after part-number-marker, at most max-parts (default and maximum 1,000). */
export async function listParts(env: S3Env) {
  const { deps, call, bucket, key } = env;
  const upload = await uploadOf(env);
  const marker = Number(call.query.get('part-number-marker') ?? '0');
  const maxRaw = call.query.get('max-parts');
  if (maxRaw !== undefined && !/^\d+$/.test(maxRaw)) throw InvalidArgument('Provided max-parts not an integer or within integer range');
  const maxParts = Math.min(Number(maxRaw ?? '1000'), 1000);
  const after = (await deps.s3.listParts(upload.uploadId)).filter((p) => p.partNumber > (Number.isFinite(marker) ? marker : 0));
  const page = after.slice(0, maxParts);
  const truncated = after.length > page.length;
  const owner = { ID: canonicalUserId(upload.account), DisplayName: upload.account };
  return {
    xml: xmlDocument('ListPartsResult', {
      Bucket: bucket.name,
      Key: key,
      UploadId: upload.uploadId,
      PartNumberMarker: Number.isFinite(marker) ? marker : 0,
      NextPartNumberMarker: page.length > 0 ? page[page.length - 1]!.partNumber : undefined,
      MaxParts: maxParts,
      IsTruncated: truncated,
      Part: page.map((p) => ({ PartNumber: p.partNumber, LastModified: p.lastModified, ETag: p.etag, Size: p.size, ...checksumElements(p.checksum) })) as never,
      Initiator: { ID: upload.initiatorArn, DisplayName: upload.initiatorArn },
      Owner: owner,
      StorageClass: 'STANDARD',
      ChecksumAlgorithm: upload.checksum?.algorithm,
      ChecksumType: upload.checksum?.type,
    }),
  };
}
