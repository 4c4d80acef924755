/**
 * Amazon S3's REST-XML protocol: addressing (path-style `/bucket/key` and virtual-hosted
 * `bucket.localhost`, `bucket.s3.localhost`), the operation a method + subresource names, XML
 * request bodies and responses, and S3's error document (S3 API Reference, "Error responses";
 * "Virtual hosting of buckets").
 */
import { AwsError } from '../errors/aws-error.js';
import { NotImplemented } from '../errors/s3-errors.js';
import { escapeXml } from './xml.js';

export type { S3Body, S3Call, S3Result } from '../services/s3/s3-call.js';

/** The bucket named by the Host header (virtual-hosted style), if any. */
export function bucketFromHost(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const name = host.toLowerCase().replace(/:\d+$/, '');
  const m = /^(.+?)\.(?:s3\.)?localhost$/.exec(name) ?? /^(.+?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.exec(name);
  if (!m || m[1] === 's3') return undefined;
  return m[1];
}

/** Bucket and key of a request: from the Host (virtual-hosted) or the first path segment. */
export function addressOf(rawPath: string, host: string | undefined): { bucket?: string; key?: string } {
  const path = decodePath(rawPath);
  const hosted = bucketFromHost(host);
  if (hosted !== undefined) return { bucket: hosted, ...(path.length > 1 ? { key: path.slice(1) } : {}) };
  const rest = path.slice(1);
  if (rest === '') return {};
  const slash = rest.indexOf('/');
  if (slash < 0) return { bucket: rest };
  const key = rest.slice(slash + 1);
  return { bucket: rest.slice(0, slash), ...(key !== '' ? { key } : {}) };
}

/** A URI Locksmith does not take: not UTF-8 once percent-decoded, or holding NUL (%00). */
export const InvalidURI = () => new AwsError('InvalidURI', 'Couldn\'t parse the specified URI.', 400);

function decodePath(rawPath: string): string {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    throw InvalidURI();
  }
  // Unverified: what S3 answers for %00 in a key (undocumented). No store holds NUL in a key (PostgreSQL text cannot).
  if (path.includes('\u0000')) throw InvalidURI();
  return path;
}

/** Subresources that name S3 operations Locksmith does not implement (answered NotImplemented). */
const UNIMPLEMENTED_SUBRESOURCES: Record<string, string> = {
  acl: 'Acl', cors: 'Cors', lifecycle: 'LifecycleConfiguration', encryption: 'Encryption', website: 'Website',
  logging: 'Logging', notification: 'NotificationConfiguration', replication: 'Replication', 'object-lock': 'ObjectLockConfiguration',
  ownershipControls: 'OwnershipControls', publicAccessBlock: 'PublicAccessBlock', requestPayment: 'RequestPayment',
  accelerate: 'AccelerateConfiguration', analytics: 'AnalyticsConfiguration', inventory: 'InventoryConfiguration',
  metrics: 'MetricsConfiguration', 'intelligent-tiering': 'IntelligentTieringConfiguration', 'legal-hold': 'ObjectLegalHold',
  retention: 'ObjectRetention', attributes: 'ObjectAttributes', restore: 'Object', select: 'ObjectContent', torrent: 'ObjectTorrent',
  versions: 'ObjectVersions', policyStatus: 'PolicyStatus', metadataTable: 'MetadataTableConfiguration', session: 'Session',
};

const VERB: Record<string, string> = { GET: 'Get', PUT: 'Put', DELETE: 'Delete', HEAD: 'Head', POST: 'Post' };

/** The S3 operation a request names (S3 API Reference, each operation's "Request Syntax"). */
export function operationOf(method: string, bucket: string | undefined, key: string | undefined, query: Map<string, string>, headers: Record<string, string>): string {
  const has = (n: string) => query.has(n);
  if (bucket === undefined) {
    if (method === 'GET') return 'ListBuckets';
    throw NotImplemented(`${VERB[method] ?? method}Service`);
  }
  for (const sub of Object.keys(UNIMPLEMENTED_SUBRESOURCES)) {
    if (!has(sub) || (sub === 'encryption' && key === undefined)) continue;
    const name = UNIMPLEMENTED_SUBRESOURCES[sub]!;
    if (sub === 'versions') throw NotImplemented('ListObjectVersions');
    if (sub === 'restore') throw NotImplemented('RestoreObject');
    if (sub === 'select') throw NotImplemented('SelectObjectContent');
    const scope = name.startsWith('Object') ? '' : key === undefined ? 'Bucket' : 'Object';
    throw NotImplemented(`${VERB[method] ?? method}${scope}${name}`);
  }
  if (has('versionId')) throw NotImplemented(`${VERB[method] ?? method}ObjectVersion`);
  if (key === undefined) {
    switch (method) {
      case 'PUT':
        if (has('policy')) return 'PutBucketPolicy';
        if (has('encryption')) return 'PutBucketEncryption';
        if (has('tagging')) return 'PutBucketTagging';
        if (has('versioning')) return 'PutBucketVersioning';
        return 'CreateBucket';
      case 'GET':
        if (has('location')) return 'GetBucketLocation';
        if (has('policy')) return 'GetBucketPolicy';
        if (has('encryption')) return 'GetBucketEncryption';
        if (has('tagging')) return 'GetBucketTagging';
        if (has('versioning')) return 'GetBucketVersioning';
        if (has('uploads')) return 'ListMultipartUploads';
        return query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
      case 'DELETE':
        if (has('policy')) return 'DeleteBucketPolicy';
        if (has('encryption')) return 'DeleteBucketEncryption';
        if (has('tagging')) return 'DeleteBucketTagging';
        return 'DeleteBucket';
      case 'HEAD':
        return 'HeadBucket';
      case 'POST':
        if (has('delete')) return 'DeleteObjects';
        break;
    }
    throw NotImplemented(`${VERB[method] ?? method}Bucket`);
  }
  const copy = headers['x-amz-copy-source'] !== undefined;
  switch (method) {
    case 'PUT':
      if (has('uploadId') || has('partNumber')) return copy ? 'UploadPartCopy' : 'UploadPart';
      if (has('tagging')) return 'PutObjectTagging';
      return copy ? 'CopyObject' : 'PutObject';
    case 'GET':
      if (has('uploadId')) return 'ListParts';
      if (has('tagging')) return 'GetObjectTagging';
      return 'GetObject';
    case 'HEAD':
      return 'HeadObject';
    case 'DELETE':
      if (has('uploadId')) return 'AbortMultipartUpload';
      if (has('tagging')) return 'DeleteObjectTagging';
      return 'DeleteObject';
    case 'POST':
      if (has('uploads')) return 'CreateMultipartUpload';
      if (has('uploadId')) return 'CompleteMultipartUpload';
      break;
  }
  throw NotImplemented(`${VERB[method] ?? method}Object`);
}

/** S3's error document (S3 API Reference, "Error responses"); HEAD answers carry no body. */
export function restXmlError(error: AwsError, requestId: string, method?: string): { status: number; headers: Record<string, string>; body: string } {
  // The pipeline's internal fault is S3's InternalError (500) on this protocol.
  if (error.code === 'KMSInternalException') error = new AwsError('InternalError', 'We encountered an internal error. Please try again.', 500);
  const headers = { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'x-amz-id-2': requestId };
  if (method === 'HEAD' || error.status === 304) return { status: error.status, headers, body: '' };
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message><RequestId>${escapeXml(requestId)}</RequestId></Error>`;
  return { status: error.status, headers, body };
}
