import { InvalidArgument, NoSuchUpload } from '../../errors/s3-errors.js';
import type { S3Upload } from '../../store/s3-ports.js';
import type { S3Env } from './operation.js';

/** The multipart upload a call names (uploadId) — it must belong to the call's bucket and key. */
export async function uploadOf({ deps, call, bucket, key }: S3Env): Promise<S3Upload> {
  const id = call.query.get('uploadId') ?? '';
  const upload = id === '' ? undefined : await deps.s3.getUpload(id);
  if (!upload || upload.bucket !== bucket.name || upload.key !== key) throw NoSuchUpload();
  return upload;
}

/** Part numbers are 1–10,000 (S3 API Reference, UploadPart). */
export function partNumberOf(v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !/^\d+$/.test(v) || n < 1 || n > 10000) throw InvalidArgument('Part number must be an integer between 1 and 10000, inclusive');
  return n;
}
