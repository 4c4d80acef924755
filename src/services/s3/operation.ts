import type { CallContext } from '../../domain/call-context.js';
import type { S3Call, S3Result } from './s3-call.js';
import type { S3Bucket, ObjectFiles, S3Store } from '../../store/s3-ports.js';
import type { Store } from '../../store/ports.js';
import type { AuditRecorder } from '../../audit/recorder.js';
import type { KmsService } from '../kms/kms-service.js';
import type { SseExtraDeps } from './sse/customer-objects.js';
import type { KmsViaS3Deps } from './sse/kms-via-s3.js';
import type { HashThreads } from '../../crypto/hash-threads.js';

export interface S3Deps {
  /** IAM (identity policies) lives in the main store. */
  store: Store;
  s3: S3Store;
  files: ObjectFiles;
  /** Server-side encryption: S3 calls KMS in-process as the caller (sse/kms-via-s3.ts) and records those calls. */
  kms: KmsService;
  audit?: Pick<AuditRecorder, 'record'>;
  /** Told of each successful KMS call S3 makes for a caller (the key usage metric). */
  onKeyUsed?: KmsViaS3Deps['onKeyUsed'];
  /** SSE-C key fingerprints (the root keyring's keyed digest) and the S3 Bucket Key cache (sse/customer-objects.ts). */
  keyring?: SseExtraDeps['keyring'];
  bucketKeys?: SseExtraDeps['bucketKeys'];
  /** Threads computing large bodies' digests while they are sealed (sse/sealed-write.ts); absent: on the request thread. */
  hashThreads?: HashThreads;
}

/** What an operation runs with: the decoded call, the caller, and the bucket it names (loaded and authorized). */
export interface S3Env {
  deps: S3Deps;
  ctx: CallContext;
  call: S3Call;
  bucket: S3Bucket;
  key: string;
}

/**
 * One S3 operation: the IAM action that authorizes it and its resource (S3 User Guide, "Amazon S3
 * actions" / Service Authorization Reference, "Actions defined by Amazon S3"), whether CloudTrail
 * records it as a data event, and the handler.
 */
export interface S3Operation {
  action: string;
  resource: 'none' | 'bucket' | 'object';
  /** Object-level calls are CloudTrail data events (CloudTrail User Guide, "Logging data events"). */
  dataEvent: boolean;
  run(env: S3Env): Promise<S3Result>;
}

/** Largest single PUT (S3 User Guide, "Uploading objects": 5 GB in a single operation). */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;
/** Largest XML request body Locksmith reads into memory (DeleteObjects of 1,000 keys of 1,024 bytes fits). */
export const MAX_XML_BODY_BYTES = 2 * 1024 * 1024;
