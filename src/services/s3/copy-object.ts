import { InvalidArgument, InvalidRequest, NoSuchBucket } from '../../errors/s3-errors.js';
import { xmlDocument } from './s3-xml.js';
import { copySource } from './copy-source.js';
import { checkKey, storedHeaders, tagsFromHeader } from './object-headers.js';
import { commitWritten } from './object-body.js';
import { MAX_PUT_BYTES, type S3Env } from './operation.js';
import { etagFor, keysOfObject, kmsDeps, readObject } from './sse/object-io.js';
import { customerKeyNotApplicable, hasCustomerKeyHeaders } from './sse/customer-key.js';
import { customerKeyOf } from './sse/customer-objects.js';
import { newObjectKeys, sseResponseHeaders } from './sse/object-keys.js';
import { objectBinding, writeSealed } from './sse/sealed-body.js';
import { effectiveSse, requestedSse } from './sse/sse-settings.js';
import { checksumElements } from './checksum-headers.js';
import { requestedAlgorithm } from './multipart-checksums.js';

/**
 * CopyObject: x-amz-metadata-directive COPY (default) keeps the source's headers, REPLACE takes
 * the request's; x-amz-tagging-directive likewise for tags. Copying an object onto itself needs
 * REPLACE or new encryption settings (S3 API Reference, CopyObject). The source is decrypted as
 * the caller (Decrypt on its KMS key) and re-encrypted under the request's SSE headers, else the
 * destination bucket's default (GenerateDataKey on the destination key); the source's extra
 * encryption context is not carried over (s3-sse-facts.md §1).
 */
export async function copyObject(env: S3Env) {
  const { deps, ctx, call, bucket, key } = env;
  checkKey(key);
  const settings = effectiveSse(call.headers, bucket);
  const directive = call.headers['x-amz-metadata-directive'] ?? 'COPY';
  const tagging = call.headers['x-amz-tagging-directive'] ?? 'COPY';
  if (!['COPY', 'REPLACE'].includes(directive)) throw InvalidArgument('Unknown metadata directive.');
  if (!['COPY', 'REPLACE'].includes(tagging)) throw InvalidArgument('Unknown tagging directive.');
  const source = await copySource(env);
  if (source.bucket.name === bucket.name && source.object.key === key && directive === 'COPY' && requestedSse(call.headers) === undefined && !hasCustomerKeyHeaders(call.headers)) {
    throw InvalidRequest(
      "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
    );
  }
  if (source.object.size > MAX_PUT_BYTES) throw InvalidRequest('The specified copy source is larger than the maximum allowable size for a copy source: 5368709120');
  // An SSE-C source is opened with the x-amz-copy-source-server-side-encryption-customer-* key.
  const sourceCustomer = customerKeyOf(env, 'copy-source');
  const sourceKeys = source.object.encryption ? await keysOfObject(env, source.bucket, source.object, sourceCustomer) : undefined;
  if (!source.object.encryption && sourceCustomer) throw customerKeyNotApplicable();
  // The copy's checksum (S3 User Guide, "Checking object integrity", copies): the requested
  // algorithm's, else the source's algorithm, computed over the copied plaintext (so FULL_OBJECT).
  const header = call.headers['x-amz-checksum-algorithm'];
  let algorithm;
  try {
    algorithm = header !== undefined ? requestedAlgorithm(header) : source.object.checksum?.algorithm;
  } catch (e) {
    sourceKeys?.wipe();
    throw e;
  }
  const plain = await readObject(env, source.bucket, source.object, 0, source.object.size - 1, sourceKeys);
  let sse;
  try {
    sse = await newObjectKeys(kmsDeps(env), ctx, bucket, key, settings, customerKeyOf(env));
  } catch (e) {
    plain.destroy();
    throw e;
  }
  let written;
  try {
    written = await writeSealed(deps, plain, MAX_PUT_BYTES, sse.keys, objectBinding(bucket.name, key), 0, ctx.random, algorithm);
  } finally {
    sse.wipe();
    plain.destroy();
  }
  const checksum = algorithm ? { algorithm, value: written.checksumDigest!.toString('base64'), type: 'FULL_OBJECT' as const } : undefined;
  const etag = etagFor(sse.record, written.md5, env);
  const lastModified = ctx.clock.now();
  const replaced = await commitWritten(deps, [written.fileId], NoSuchBucket, () => deps.s3.putObject({
    bucket: bucket.name,
    key,
    fileId: written.fileId,
    size: written.size,
    etag,
    lastModified,
    headers: directive === 'REPLACE' ? storedHeaders(call.headers) : source.object.headers,
    tags: tagging === 'REPLACE' ? tagsFromHeader(call.headers['x-amz-tagging']) : source.object.tags,
    partSizes: [],
    encryption: sse.record,
    ...(checksum ? { checksum } : {}),
  }));
  if (replaced) await deps.files.remove([replaced]);
  return {
    headers: sseResponseHeaders(sse.record, true),
    xml: xmlDocument('CopyObjectResult', { ETag: etag, LastModified: lastModified, ...(checksum ? { ChecksumType: checksum.type } : {}), ...checksumElements(checksum) }),
  };
}
