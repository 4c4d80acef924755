import { xmlDocument } from './s3-xml.js';
import { canonicalUserId } from './bucket-names.js';
import { encoderFor, listKeys, maxKeysOf } from './listing.js';
import type { S3Env } from './operation.js';

/** ListObjects (version 1): marker and NextMarker (given when a delimiter was). */
export async function listObjects({ deps, call, bucket }: S3Env) {
  const q = call.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const marker = q.get('marker') ?? '';
  const maxKeys = maxKeysOf(q.get('max-keys'));
  const enc = encoderFor(q.get('encoding-type'));
  const l = await listKeys(deps.s3, bucket.name, prefix, delimiter, marker, maxKeys);
  return {
    xml: xmlDocument('ListBucketResult', {
      Name: bucket.name,
      Prefix: enc(prefix),
      Marker: enc(marker),
      MaxKeys: maxKeys,
      Delimiter: delimiter === '' ? undefined : enc(delimiter),
      IsTruncated: l.truncated,
      NextMarker: l.truncated && delimiter !== '' && l.last !== undefined ? enc(l.last) : undefined,
      EncodingType: q.get('encoding-type'),
      Contents: l.contents.map((o) => ({
        Key: enc(o.key), LastModified: o.lastModified, ETag: o.etag, Size: o.size, StorageClass: 'STANDARD',
        Owner: { ID: canonicalUserId(bucket.account), DisplayName: bucket.account },
      })) as never,
      CommonPrefixes: l.commonPrefixes.map((p) => ({ Prefix: enc(p) })) as never,
    }),
  };
}
