import { InvalidArgument } from '../../errors/s3-errors.js';
import { xmlDocument } from './s3-xml.js';
import { canonicalUserId } from './bucket-names.js';
import { encoderFor, listKeys, maxKeysOf } from './listing.js';
import type { S3Env } from './operation.js';

const token = (position: string) => Buffer.from(position, 'utf8').toString('base64url');
function position(t: string): string {
  const decoded = Buffer.from(t, 'base64url').toString('utf8');
  if (t === '' || token(decoded) !== t) throw InvalidArgument('The continuation token provided is incorrect');
  return decoded;
}

/** ListObjectsV2: continuation tokens (opaque positions), start-after, fetch-owner, KeyCount. */
export async function listObjectsV2({ deps, call, bucket }: S3Env) {
  const q = call.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const startAfter = q.get('start-after');
  const continuation = q.get('continuation-token');
  const maxKeys = maxKeysOf(q.get('max-keys'));
  const enc = encoderFor(q.get('encoding-type'));
  const after = continuation !== undefined ? position(continuation) : (startAfter ?? '');
  const l = await listKeys(deps.s3, bucket.name, prefix, delimiter, after, maxKeys);
  const owner = q.get('fetch-owner') === 'true' ? { ID: canonicalUserId(bucket.account), DisplayName: bucket.account } : undefined;
  return {
    xml: xmlDocument('ListBucketResult', {
      Name: bucket.name,
      Prefix: enc(prefix),
      MaxKeys: maxKeys,
      KeyCount: l.contents.length + l.commonPrefixes.length,
      Delimiter: delimiter === '' ? undefined : enc(delimiter),
      IsTruncated: l.truncated,
      ContinuationToken: continuation,
      NextContinuationToken: l.truncated && l.last !== undefined ? token(l.last) : undefined,
      StartAfter: startAfter === undefined ? undefined : enc(startAfter),
      EncodingType: q.get('encoding-type'),
      Contents: l.contents.map((o) => ({ Key: enc(o.key), LastModified: o.lastModified, ETag: o.etag, Size: o.size, StorageClass: 'STANDARD', Owner: owner })) as never,
      CommonPrefixes: l.commonPrefixes.map((p) => ({ Prefix: enc(p) })) as never,
    }),
  };
}
