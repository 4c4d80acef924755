/**
 * The S3 object service: resolves the bucket a call names, authorizes the operation's action on
 * its resource as the caller, and runs the operation.
 */
import { NoSuchBucket, NotImplemented } from '../../errors/s3-errors.js';
import type { CallContext } from '../../domain/call-context.js';
import type { ContextValue } from '../../policy/types.js';
import type { S3Call, S3Result } from './s3-call.js';
import { authorizeS3, bucketArn, objectArn } from './authorize.js';
import type { S3Deps, S3Operation } from './operation.js';
import { S3_OPERATIONS } from './operations.js';

export class S3Service {
  constructor(readonly deps: S3Deps) {}

  operation(name: string): S3Operation {
    const op = S3_OPERATIONS[name];
    if (!op) throw NotImplemented(name);
    return op;
  }

  /** Object-level operations are CloudTrail data events. */
  isDataEvent(name: string): boolean {
    return S3_OPERATIONS[name]?.dataEvent ?? false;
  }

  async bucketOwner(name: string): Promise<string | undefined> {
    return (await this.deps.s3.getBucket(name))?.account;
  }

  /** Stops the service's hash threads (the server's close). */
  async close(): Promise<void> {
    await this.deps.hashThreads?.close();
  }

  async serve(ctx: CallContext, call: S3Call): Promise<S3Result> {
    const op = this.operation(call.operation);
    const key = call.key ?? '';
    const resource = op.resource === 'object' ? objectArn(call.bucket!, key) : op.resource === 'bucket' ? bucketArn(call.bucket!) : '*';
    const extra = conditionKeys(call);
    if (call.operation === 'ListBuckets' || call.operation === 'CreateBucket') {
      await authorizeS3(this.deps, ctx, op.action, resource, undefined, extra);
      return op.run({ deps: this.deps, ctx, call, bucket: undefined as never, key });
    }
    const bucket = await this.deps.s3.getBucket(call.bucket!);
    if (!bucket) throw NoSuchBucket();
    if (op.resource !== 'none') await authorizeS3(this.deps, ctx, op.action, resource, bucket, extra);
    return op.run({ deps: this.deps, ctx, call, bucket, key });
  }
}

/** S3's condition keys (Service Authorization Reference, "Condition keys for Amazon S3"). */
function conditionKeys(call: S3Call): Record<string, ContextValue | undefined> {
  return {
    's3:prefix': call.operation.startsWith('ListObjects') ? (call.query.get('prefix') ?? '') : undefined,
    's3:delimiter': call.query.get('delimiter'),
    's3:max-keys': call.query.has('max-keys') ? Number(call.query.get('max-keys')) : undefined,
    's3:x-amz-server-side-encryption': call.headers['x-amz-server-side-encryption'],
    's3:x-amz-server-side-encryption-aws-kms-key-id': call.headers['x-amz-server-side-encryption-aws-kms-key-id'],
    's3:x-amz-copy-source': call.headers['x-amz-copy-source'],
    's3:x-amz-metadata-directive': call.headers['x-amz-metadata-directive'],
    's3:ExistingObjectTag': undefined,
  };
}
