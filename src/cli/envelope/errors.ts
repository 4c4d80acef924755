/**
 * One-line failure messages that say what to do, and the exit codes of `locksmith encrypt` /
 * `decrypt`:
 *   0 success · 1 local I/O or other failure · 2 bad usage · 3 KMS refused or could not be reached
 *   (access denied, key disabled/pending deletion/not found, no credentials or region) ·
 *   4 the message failed verification (corrupted, truncated, not an Encryption SDK message, wrong
 *   encryption context, no usable encrypted data key).
 */
import { EncryptionContextMismatch } from './materials.js';
import type { FailedKmsCall, KmsCallLog } from './kms-clients.js';

export const EXIT = { ok: 0, failure: 1, usage: 2, kms: 3, integrity: 4 } as const;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface Failure {
  message: string;
  exitCode: number;
}

/** What a failed KMS call means and what to do about it, from its AWS exception name. */
function kmsFailure(f: FailedKmsCall): Failure {
  const { operation, keyId, error } = f;
  const aws = `${error.name}: ${error.message}`;
  const where = `key ${keyId}${f.region ? ` in ${f.region}` : ''}`;
  const kms = (message: string) => ({ message, exitCode: EXIT.kms });
  switch (error.name) {
    case 'AccessDeniedException':
      return kms(`KMS denied kms:${operation} on ${where} (${aws}); allow kms:${operation} on that key for this principal in its key policy, an IAM policy or a grant`);
    case 'DisabledException':
      return kms(`KMS key is disabled: ${where} (${aws}); enable it (aws kms enable-key --key-id ${keyId}) or use another key`);
    case 'KMSInvalidStateException':
      return kms(`KMS key cannot be used in its current state: ${where} (${aws}); see aws kms describe-key --key-id ${keyId}`);
    case 'NotFoundException':
      return kms(`KMS key not found: ${where} (${aws}); check --key and --region`);
    case 'InvalidKeyUsageException':
      return kms(`KMS key cannot do kms:${operation}: ${where} (${aws}); use a SYMMETRIC_DEFAULT ENCRYPT_DECRYPT key`);
    case 'InvalidCiphertextException':
      return { message: `KMS could not decrypt the message's encrypted data key with ${where} (${aws}); the message is corrupted or was not made with this key`, exitCode: EXIT.integrity };
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
      return kms(`KMS refused the credentials (${aws}); check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, --profile and the endpoint`);
    default:
      return kms(`KMS ${operation} on ${where} failed (${aws})`);
  }
}

const IO_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ENOSPC', 'EEXIST', 'EROFS', 'EMFILE', 'EPIPE', 'EXDEV']);

/** The failure of one file's encrypt or decrypt, from the error and the KMS calls made. */
export function describeFailure(e: unknown, log: KmsCallLog, context: { decrypting: boolean; messageKeys?: string[]; keys?: string[]; accounts?: string[] }): Failure {
  const err = e as Error & { code?: string; name?: string; path?: string; syscall?: string };
  if (err instanceof UsageError) return { message: err.message, exitCode: EXIT.usage };
  if (err instanceof EncryptionContextMismatch) {
    return { message: `wrong encryption context: ${err.message}; nothing was decrypted (check --context)`, exitCode: EXIT.integrity };
  }
  const kmsFailed = log.failures.shift();
  log.failures.length = 0;
  const cause = kmsFailed?.error ?? err;
  const reach = unreachable(cause);
  if (reach) return reach;
  if (kmsFailed) return kmsFailure(kmsFailed);
  if (err.code && IO_CODES.has(err.code)) {
    return { message: `${err.syscall ?? 'I/O'} ${err.path ?? ''} failed: ${err.code}`.replace('  ', ' '), exitCode: EXIT.failure };
  }
  if (!context.decrypting) return { message: `encryption failed: ${firstLine(err)}`, exitCode: EXIT.failure };
  if (/Unable to decrypt data key/i.test(err.message ?? '') || /No EDK|did not match/i.test(err.message ?? '')) {
    const named = context.messageKeys?.length ? context.messageKeys.join(', ') : 'none';
    const given = [...(context.keys ?? []).map((k) => `--key ${k}`), ...(context.accounts ?? []).map((a) => `--account ${a}`)].join(' ');
    return { message: `no key given can decrypt this message${given ? ` (${given})` : ''}; its data keys are encrypted under: ${named}`, exitCode: EXIT.integrity };
  }
  if (/maxEncryptedDataKeys/i.test(err.message ?? '')) {
    return { message: `the message has more encrypted data keys than --max-encrypted-data-keys allows (${firstLine(err)})`, exitCode: EXIT.integrity };
  }
  if (/commitment/i.test(err.message ?? '') && /policy|not supported|forbid/i.test(err.message ?? '')) {
    return { message: `the message uses an algorithm suite without key commitment, refused by the commitment policy (${firstLine(err)})`, exitCode: EXIT.integrity };
  }
  return { message: `the input is corrupted, truncated or not an AWS Encryption SDK message (${firstLine(err)})`, exitCode: EXIT.integrity };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** No credentials, no Region, or no connection: nothing KMS said, so nothing about the key. */
function unreachable(e: Error & { code?: string }): Failure | undefined {
  if ((e.code && NETWORK_CODES.has(e.code)) || e.name === 'TimeoutError') {
    return { message: `cannot reach KMS (${e.code ?? e.name}: ${firstLine(e)}); check --endpoint-url / AWS_ENDPOINT_URL_KMS / AWS_ENDPOINT_URL and --region`, exitCode: EXIT.kms };
  }
  if (e.name === 'CredentialsProviderError') {
    return { message: `no AWS credentials (${firstLine(e)}); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass --profile`, exitCode: EXIT.kms };
  }
  if (/Region is missing/i.test(e.message ?? '')) return { message: 'no AWS Region: pass --region or set AWS_REGION', exitCode: EXIT.kms };
  return undefined;
}

function firstLine(e: Error): string {
  return String(e.message ?? e).split('\n')[0]!.trim();
}
