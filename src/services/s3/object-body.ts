import { AwsError } from '../../errors/aws-error.js';
import { s3Error } from '../../errors/s3-errors.js';
import { BodyTooLargeError } from '../../store/object-files.js';
import { S3ParentGoneError, type WrittenFile } from '../../store/s3-ports.js';
import { checkContentMd5 } from './object-headers.js';
import { declaredChecksum, observeBody, verifiedChecksum } from './checksum-headers.js';
import type { S3Checksum } from '../../store/s3-ports.js';
import type { S3Env } from './operation.js';
import { writeSealedBody, type SealSpec } from './sse/sealed-write.js';

/**
 * Streams the request body to a new object file, then checks it against the signed payload hash
 * and Content-MD5; a body that fails a check leaves no file behind. With `seal` (server-side
 * encryption, sse/sealed-write.ts) the body is encrypted as it streams and the checks use the
 * plaintext's digests.
 */
export async function writeRequestBody({ deps, call }: S3Env, limit: number, seal?: SealSpec): Promise<WrittenFile & { checksum?: S3Checksum }> {
  if (call.body.declaredLength !== undefined && call.body.declaredLength > limit) throw entityTooLarge();
  const declared = declaredChecksum(call.headers);
  let written: WrittenFile;
  // A sealed write computes a declared checksum with its other digests (on the hash threads), a
  // trailing one too (the chunk decoder then only reads the trailer's value); an unsealed one has
  // the body tapped on its way, or the decoder verifying the trailer.
  if (seal && declared && declared.expected === undefined) call.body.deferTrailingChecksum?.();
  const observed = seal ? { body: call.body.stream() } : observeBody(declared, call.body.stream());
  try {
    // Checksums (x-amz-checksum-*), size, MD5 and SHA-256 are of the plaintext: the tap and the
    // sealer's digests see the bytes before the encryptor.
    const sha256 = call.body.needsSha256 !== false || declared?.algorithm === 'SHA256';
    written = seal ? await writeSealedBody(deps, observed.body, limit, seal, { sha256, checksum: declared?.algorithm }) : await deps.files.write(observed.body, limit, { sha256 });
  } catch (e) {
    if (e instanceof BodyTooLargeError) throw entityTooLarge();
    if (e instanceof AwsError) throw e;
    // The client went away mid-body; a disk error (ENOSPC, EIO, …) stays an internal fault.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (e as Error).message === 'aborted') {
      throw s3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
    }
    throw e;
  }
  try {
    call.body.verify(written.sha256);
    checkContentMd5(call.headers['content-md5'], written.md5);
    const checksum = verifiedChecksum(declared, observed.hasher, written, call.body);
    return checksum ? { ...written, checksum } : written;
  } catch (e) {
    await deps.files.remove([written.fileId]);
    throw e;
  }
}

const entityTooLarge = () => s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');

/**
 * Commits metadata for newly written files; if the commit fails (the bucket was deleted or the
 * upload aborted meanwhile, or the store failed) the files are removed, so none is left unreferenced.
 */
export async function commitWritten<T>(deps: S3Env['deps'], fileIds: string[], gone: () => AwsError, commit: () => Promise<T>): Promise<T> {
  try {
    return await commit();
  } catch (e) {
    await deps.files.remove(fileIds);
    if (e instanceof S3ParentGoneError) throw gone();
    throw e;
  }
}
