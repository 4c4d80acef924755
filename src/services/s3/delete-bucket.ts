import { s3Error, NoSuchBucket } from '../../errors/s3-errors.js';
import type { S3Env } from './operation.js';

const notEmpty = () => s3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty');

/**
 * DeleteBucket: only a bucket without objects, 204. Multipart uploads still in progress do not
 * keep it (S3 deletes such a bucket; scality/cloudserver#1591, ceph/ceph#15630 review): they are
 * aborted first and their parts' files removed. An upload or object arriving meanwhile makes the
 * store refuse the deletion (BucketNotEmpty).
 */
export async function deleteBucket({ deps, bucket }: S3Env) {
  if ((await deps.s3.listObjects(bucket.name, '', '', 1)).length > 0) throw notEmpty();
  for (const upload of await deps.s3.listUploads(bucket.name)) await deps.files.remove(await deps.s3.deleteUpload(upload.uploadId));
  const r = await deps.s3.deleteBucket(bucket.name);
  if (r === 'missing') throw NoSuchBucket();
  if (r === 'notEmpty') throw notEmpty();
  return { status: 204 };
}
