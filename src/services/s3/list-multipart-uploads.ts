import { xmlDocument } from './s3-xml.js';
import { utf8Compare } from '../../store/s3-ports.js';
import { canonicalUserId } from './bucket-names.js';
import type { S3Env } from './operation.js';

/** ListMultipartUploads: uploads in progress by key then initiation, with prefix and key-marker. */
export async function listMultipartUploads({ deps, call, bucket }: S3Env) {
  const prefix = call.query.get('prefix') ?? '';
  const keyMarker = call.query.get('key-marker') ?? '';
  const max = Math.min(Number(call.query.get('max-uploads') ?? '1000') || 1000, 1000);
  const all = (await deps.s3.listUploads(bucket.name)).filter((u) => u.key.startsWith(prefix) && utf8Compare(u.key, keyMarker) > 0);
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
