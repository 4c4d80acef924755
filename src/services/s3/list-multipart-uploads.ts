import { xmlDocument } from './s3-xml.js';
import { canonicalUserId } from './bucket-names.js';
import type { S3Env } from './operation.js';

/** ListMultipartUploads: uploads in progress by key then initiation, with prefix and key-marker. */
export async function listMultipartUploads({ deps, call, bucket }: S3Env) {
  const prefix = call.query.get('prefix') ?? '';
  const keyMarker = call.query.get('key-marker') ?? '';
  const max = Math.min(Number(call.query.get('max-uploads') ?? '1000') || 1000, 1000);
  // One more than a page tells whether the listing is truncated.
  const all = await deps.s3.listUploads(bucket.name, prefix, keyMarker, max + 1);
  const page = all.slice(0, max);
  const last = page[page.length - 1];
  return {
    xml: xmlDocument('ListMultipartUploadsResult', {
      Bucket: bucket.name,
      KeyMarker: keyMarker,
      UploadIdMarker: call.query.get('upload-id-marker') ?? '',
      NextKeyMarker: all.length > max && last ? last.key : undefined,
      NextUploadIdMarker: all.length > max && last ? last.uploadId : undefined,
      Prefix: prefix,
      MaxUploads: max,
      IsTruncated: all.length > max,
      Upload: page.map((u) => ({
        Key: u.key, UploadId: u.uploadId, Initiator: { ID: u.initiatorArn, DisplayName: u.initiatorArn },
        Owner: { ID: canonicalUserId(u.account), DisplayName: u.account }, StorageClass: 'STANDARD', Initiated: u.initiated,
      })) as never,
    }),
  };
}
