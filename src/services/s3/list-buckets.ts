import { xmlDocument } from './s3-xml.js';
import { canonicalUserId } from './bucket-names.js';
import type { S3Env } from './operation.js';

/** ListBuckets: the caller's account's buckets, by name. */
export async function listBuckets({ deps, ctx }: S3Env) {
  const buckets = await deps.s3.listBuckets(ctx.account);
  return {
    xml: xmlDocument('ListAllMyBucketsResult', {
      Owner: { ID: canonicalUserId(ctx.account), DisplayName: ctx.account },
      Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: b.createdAt, BucketRegion: b.region })) } as never,
    }),
  };
}
