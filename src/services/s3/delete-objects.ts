import { AwsError } from '../../errors/aws-error.js';
import { MalformedXML } from '../../errors/s3-errors.js';
import { parseXmlBody, xmlDocument } from './s3-xml.js';
import { authorizeS3, objectArn } from './authorize.js';
import { MAX_XML_BODY_BYTES, type S3Env } from './operation.js';

/**
 * DeleteObjects: up to 1,000 keys; each key is authorized (s3:DeleteObject) and answered on its
 * own; Quiet mode lists only the errors (S3 API Reference, DeleteObjects).
 */
export async function deleteObjects(env: S3Env) {
  const { deps, ctx, call, bucket } = env;
  const tree = parseXmlBody(await call.body.readAll(MAX_XML_BODY_BYTES)).Delete;
  if (typeof tree !== 'object' || tree === null) throw MalformedXML();
  const objects: unknown[] = tree.Object ?? [];
  if (objects.length === 0 || objects.length > 1000) throw MalformedXML();
  const quiet = String(tree.Quiet ?? 'false').trim().toLowerCase() === 'true';
  const deleted: Array<{ Key: string }> = [];
  const errors: Array<{ Key: string; Code: string; Message: string }> = [];
  for (const entry of objects) {
    const key = (entry as { Key?: unknown })?.Key;
    if (typeof key !== 'string') throw MalformedXML();
    try {
      await authorizeS3(deps, ctx, 's3:DeleteObject', objectArn(bucket.name, key), bucket);
      const removed = await deps.s3.deleteObject(bucket.name, key);
      if (removed) await deps.files.remove([removed]);
      deleted.push({ Key: key });
    } catch (e) {
      if (!(e instanceof AwsError)) throw e;
      errors.push({ Key: key, Code: e.code, Message: e.message });
    }
  }
  return { xml: xmlDocument('DeleteResult', { Deleted: quiet ? undefined : (deleted as never), Error: errors as never }) };
}
