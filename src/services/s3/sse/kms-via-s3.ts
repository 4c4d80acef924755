/**
 * The one place S3 calls KMS. S3 calls KMS in-process *as the caller* (S3 User Guide, "Using
 * server-side encryption with AWS KMS keys"; KMS Developer Guide, "How Amazon S3 uses AWS KMS"):
 * the requesting principal's identity, IAM policies, the key policy, grants and condition keys
 * decide exactly as for a direct call, with kms:ViaService = s3.<region>.amazonaws.com. Each call is
 * recorded in the audit trail as a KMS call of the caller, `invokedBy: s3.amazonaws.com`.
 * The plaintext data key returned stays in memory for the request; the caller wipes it.
 */
import type { ApiCallTrace } from '../../../audit/api-call.js';
import { buildCallEvents, prepareRequestParameters } from '../../../audit/event-builder.js';
import type { AuditRecorder } from '../../../audit/recorder.js';
import type { CallContext } from '../../../domain/call-context.js';
import type { EncryptionContext } from '../../../domain/encryption-context.js';
import { AwsError } from '../../../errors/aws-error.js';
import { s3Error } from '../../../errors/s3-errors.js';
import type { Store } from '../../../store/ports.js';
import { decrypt } from '../../kms/decrypt.js';
import { generateDataKey } from '../../kms/generate-data-key.js';
import type { KmsService } from '../../kms/kms-service.js';

/** The service principal CloudTrail names as `invokedBy` for calls S3 makes on a caller's behalf. */
export const S3_SERVICE_PRINCIPAL = 's3.amazonaws.com';

export interface KmsViaS3Deps {
  kms: KmsService;
  store: Store;
  /** Where the KMS call's records go; absent only when auditing is off (benchmarks). */
  audit?: Pick<AuditRecorder, 'record'>;
  /** Told of each successful call with the operation and the key's ARN (the key usage metric, as for direct calls). */
  onKeyUsed?: (operation: string, keyArn: string) => void;
}

export interface DataKey {
  plaintext: Buffer;
  ciphertextBlob: Buffer;
  keyArn: string;
}

/** GenerateDataKey (AES_256) as the caller, through S3, in the bucket's Region. */
export async function generateDataKeyViaS3(deps: KmsViaS3Deps, ctx: CallContext, region: string, keyId: string, context: EncryptionContext): Promise<DataKey> {
  const input = { KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context };
  const out = await callAsCaller(deps, ctx, region, 'GenerateDataKey', input, (via) => generateDataKey(input, via, deps.kms));
  return { plaintext: out.Plaintext as Buffer, ciphertextBlob: out.CiphertextBlob as Buffer, keyArn: out.KeyId as string };
}

/** Decrypt of a stored data key as the caller, through S3, in the bucket's Region. */
export async function decryptViaS3(deps: KmsViaS3Deps, ctx: CallContext, region: string, blob: Buffer, context: EncryptionContext): Promise<DataKey> {
  const input = { CiphertextBlob: blob, EncryptionContext: context };
  const out = await callAsCaller(deps, ctx, region, 'Decrypt', input, (via) => decrypt(input, via, deps.kms));
  return { plaintext: out.Plaintext as Buffer, ciphertextBlob: blob, keyArn: out.KeyId as string };
}

async function callAsCaller(
  deps: KmsViaS3Deps, ctx: CallContext, region: string, operation: string, input: Record<string, unknown>, run: (via: CallContext) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  // SSE-KMS needs SigV4: an anonymous caller (admitted by a public bucket policy) never reaches KMS (s3-sse-facts.md §4).
  if (ctx.principal.type === 'Anonymous') throw s3Error('InvalidArgument', 'Requests specifying Server Side Encryption with AWS KMS managed keys require AWS Signature Version 4.');
  const via: CallContext = { ...ctx, region, viaService: `s3.${region}.amazonaws.com`, authorizedKeys: new Set<string>() };
  // Unverified: sourceIPAddress and userAgent of a KMS record of a call S3 makes are the service principal.
  const trace: ApiCallTrace = {
    requestId: ctx.random.uuid(), eventTime: ctx.clock.now(), sourceIp: S3_SERVICE_PRINCIPAL, userAgent: S3_SERVICE_PRINCIPAL,
    service: 'kms', region, principal: ctx.principal, viaService: S3_SERVICE_PRINCIPAL, operation, request: input, authorizedKeys: via.authorizedKeys,
  };
  try {
    trace.prepared = { requestParameters: prepareRequestParameters(trace) };
  } catch {
    // The caller's context cannot be recorded (e.g. a lone surrogate): refused before KMS is called.
    throw s3Error('InvalidArgument', 'The header x-amz-server-side-encryption-context must be a base64-encoded UTF-8 string holding JSON which represents a string-string map');
  }
  try {
    const out = await run(via);
    trace.output = out;
    deps.onKeyUsed?.(operation, out.KeyId as string);
    return out;
  } catch (e) {
    if (e instanceof AwsError) trace.error = e;
    throw asS3Error(e);
  } finally {
    if (deps.audit) await deps.audit.record(await buildCallEvents(trace, { store: deps.store, random: ctx.random }));
  }
}

/**
 * KMS errors as S3 answers them (S3 User Guide, "Troubleshooting"; real captures such as
 * "An error occurred (KMS.NotFoundException) when calling the PutObject operation: Invalid keyId …",
 * aws/aws-cli#4507): KMS's exception under a "KMS." prefix, 400; a KMS denial is S3's 403
 * AccessDenied with KMS's message, which names the kms action.
 */
function asS3Error(e: unknown): unknown {
  if (!(e instanceof AwsError)) return e;
  switch (e.code) {
    case 'AccessDeniedException':
      return s3Error('AccessDenied', e.message);
    case 'NotFoundException':
      return s3Error('KMS.NotFoundException', e.message);
    case 'DisabledException':
      return s3Error('KMS.DisabledException', e.message);
    case 'KMSInvalidStateException':
      return s3Error('KMS.KMSInvalidStateException', e.message);
    case 'InvalidKeyUsageException':
      return s3Error('KMS.InvalidKeyUsageException', e.message);
    case 'ValidationException':
      // Unverified: S3's code for a request KMS refuses as invalid (e.g. an encryption context KMS cannot encode).
      return s3Error('InvalidArgument', e.message);
    default:
      // InvalidCiphertextException and the like: stored metadata S3 itself wrote no longer opens.
      return s3Error('InternalError', 'We encountered an internal error. Please try again.');
  }
}
