import { s3Error } from '../../errors/s3-errors.js';
import { parsePolicy } from '../../policy/index.js';
import type { S3Env } from './operation.js';

/** Bucket policies are at most 20 KB (S3 User Guide, "Bucket policies"). */
const MAX_POLICY_BYTES = 20 * 1024;

/** PutBucketPolicy: a policy document with Principal; malformed ones are MalformedPolicy (204 on success). */
export async function putBucketPolicy({ deps, call, bucket }: S3Env) {
  const body = await call.body.readAll(MAX_POLICY_BYTES + 1);
  if (body.length > MAX_POLICY_BYTES) throw s3Error('MalformedPolicy', 'Policies must be less than 20 KB');
  const text = body.toString('utf8');
  try {
    parsePolicy(text, { principal: 'required' });
  } catch (e) {
    throw s3Error('MalformedPolicy', (e as Error).message || 'Policies must be valid JSON and the first byte must be \'{\'');
  }
  await deps.s3.setBucketPolicy(bucket.name, text);
  return { status: 204 };
}
