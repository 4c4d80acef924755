import { s3Error } from '../../errors/s3-errors.js';
import { parseXmlBody } from './s3-xml.js';
import { checkBucketName } from './bucket-names.js';
import { MAX_XML_BODY_BYTES, type S3Env } from './operation.js';

/**
 * CreateBucket (S3 API Reference). The bucket namespace is global: another account's bucket is
 * BucketAlreadyExists; the caller's own is BucketAlreadyOwnedByYou (409), except in us-east-1,
 * which answers 200 for legacy compatibility (CreateBucket, "Errors").
 */
export async function createBucket({ deps, ctx, call }: S3Env) {
  const name = call.bucket!;
  checkBucketName(name);
  const body = await call.body.readAll(MAX_XML_BODY_BYTES);
  let region = 'us-east-1';
  if (body.length > 0) {
    const constraint = parseXmlBody(body).CreateBucketConfiguration?.LocationConstraint;
    if (typeof constraint === 'string' && constraint !== '') {
      if (constraint === 'us-east-1') throw s3Error('InvalidLocationConstraint', 'The specified location-constraint is not valid');
      region = constraint;
    }
  }
  if (region !== ctx.region) {
    throw s3Error('IllegalLocationConstraintException', `The ${region === 'us-east-1' ? 'unspecified' : region} location constraint is incompatible for the region specific endpoint this request was sent to.`);
  }
  const result = await deps.s3.createBucket({ name, account: ctx.account, region, createdAt: ctx.clock.now() });
  if (result === 'exists') {
    const existing = await deps.s3.getBucket(name);
    if (existing && existing.account !== ctx.account) {
      throw s3Error('BucketAlreadyExists', 'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.');
    }
    if (region !== 'us-east-1') throw s3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.');
  }
  return { headers: { location: `/${name}` } };
}
