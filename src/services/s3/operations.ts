/**
 * Every S3 operation Locksmith serves: IAM action and resource (Service Authorization Reference,
 * "Actions defined by Amazon S3"; S3 User Guide, "Required permissions for Amazon S3 API
 * operations"), whether it is a CloudTrail data event, and the handler.
 */
import { abortMultipartUpload } from './abort-multipart-upload.js';
import { completeMultipartUpload } from './complete-multipart-upload.js';
import { copyObject } from './copy-object.js';
import { createBucket } from './create-bucket.js';
import { createMultipartUpload } from './create-multipart-upload.js';
import { deleteBucketEncryption } from './delete-bucket-encryption.js';
import { deleteBucketPolicy } from './delete-bucket-policy.js';
import { deleteBucketTagging } from './delete-bucket-tagging.js';
import { deleteBucket } from './delete-bucket.js';
import { deleteObjectTagging } from './delete-object-tagging.js';
import { deleteObject } from './delete-object.js';
import { deleteObjects } from './delete-objects.js';
import { getBucketEncryption } from './get-bucket-encryption.js';
import { getBucketLocation } from './get-bucket-location.js';
import { getBucketPolicy } from './get-bucket-policy.js';
import { getBucketTagging } from './get-bucket-tagging.js';
import { getBucketVersioning } from './get-bucket-versioning.js';
import { getObjectTagging } from './get-object-tagging.js';
import { getObject } from './get-object.js';
import { headBucket } from './head-bucket.js';
import { headObject } from './head-object.js';
import { listBuckets } from './list-buckets.js';
import { listMultipartUploads } from './list-multipart-uploads.js';
import { listObjectsV2 } from './list-objects-v2.js';
import { listObjects } from './list-objects.js';
import { listParts } from './list-parts.js';
import type { S3Operation } from './operation.js';
import { putBucketEncryption } from './put-bucket-encryption.js';
import { putBucketPolicy } from './put-bucket-policy.js';
import { putBucketTagging } from './put-bucket-tagging.js';
import { putObjectTagging } from './put-object-tagging.js';
import { putObject } from './put-object.js';
import { uploadPartCopy } from './upload-part-copy.js';
import { uploadPart } from './upload-part.js';

const management = (action: string, resource: S3Operation['resource'], run: S3Operation['run']): S3Operation => ({ action, resource, dataEvent: false, run });
const data = (action: string, resource: S3Operation['resource'], run: S3Operation['run']): S3Operation => ({ action, resource, dataEvent: true, run });

export const S3_OPERATIONS: Record<string, S3Operation> = {
  ListBuckets: management('s3:ListAllMyBuckets', 'none', listBuckets),
  CreateBucket: management('s3:CreateBucket', 'bucket', createBucket),
  DeleteBucket: management('s3:DeleteBucket', 'bucket', deleteBucket),
  HeadBucket: management('s3:ListBucket', 'bucket', headBucket),
  GetBucketLocation: management('s3:GetBucketLocation', 'bucket', getBucketLocation),
  GetBucketVersioning: management('s3:GetBucketVersioning', 'bucket', getBucketVersioning),
  PutBucketPolicy: management('s3:PutBucketPolicy', 'bucket', putBucketPolicy),
  GetBucketPolicy: management('s3:GetBucketPolicy', 'bucket', getBucketPolicy),
  DeleteBucketPolicy: management('s3:DeleteBucketPolicy', 'bucket', deleteBucketPolicy),
  PutBucketTagging: management('s3:PutBucketTagging', 'bucket', putBucketTagging),
  GetBucketTagging: management('s3:GetBucketTagging', 'bucket', getBucketTagging),
  // DeleteBucketTagging is authorized by s3:PutBucketTagging (S3 API Reference, DeleteBucketTagging).
  DeleteBucketTagging: management('s3:PutBucketTagging', 'bucket', deleteBucketTagging),
  // Default encryption (Service Authorization Reference: s3:PutEncryptionConfiguration / s3:GetEncryptionConfiguration; Delete uses Put's).
  PutBucketEncryption: management('s3:PutEncryptionConfiguration', 'bucket', putBucketEncryption),
  GetBucketEncryption: management('s3:GetEncryptionConfiguration', 'bucket', getBucketEncryption),
  DeleteBucketEncryption: management('s3:PutEncryptionConfiguration', 'bucket', deleteBucketEncryption),
  // Listing is a data event (GuardDuty User Guide, "Feature in S3 Protection": CloudTrail data events for S3 include ListObjects).
  ListObjects: data('s3:ListBucket', 'bucket', listObjects),
  ListObjectsV2: data('s3:ListBucket', 'bucket', listObjectsV2),
  ListMultipartUploads: data('s3:ListBucketMultipartUploads', 'bucket', listMultipartUploads),
  PutObject: data('s3:PutObject', 'object', putObject),
  GetObject: data('s3:GetObject', 'object', (env) => getObject(env)),
  HeadObject: data('s3:GetObject', 'object', headObject),
  DeleteObject: data('s3:DeleteObject', 'object', deleteObject),
  // Each key is authorized with s3:DeleteObject inside the operation.
  DeleteObjects: data('s3:DeleteObject', 'none', deleteObjects),
  CopyObject: data('s3:PutObject', 'object', copyObject),
  PutObjectTagging: data('s3:PutObjectTagging', 'object', putObjectTagging),
  GetObjectTagging: data('s3:GetObjectTagging', 'object', getObjectTagging),
  DeleteObjectTagging: data('s3:DeleteObjectTagging', 'object', deleteObjectTagging),
  CreateMultipartUpload: data('s3:PutObject', 'object', createMultipartUpload),
  UploadPart: data('s3:PutObject', 'object', uploadPart),
  UploadPartCopy: data('s3:PutObject', 'object', uploadPartCopy),
  CompleteMultipartUpload: data('s3:PutObject', 'object', completeMultipartUpload),
  AbortMultipartUpload: data('s3:AbortMultipartUpload', 'object', abortMultipartUpload),
  ListParts: data('s3:ListMultipartUploadParts', 'object', listParts),
};
