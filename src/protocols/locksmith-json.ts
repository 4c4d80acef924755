import { UnknownOperationException } from '../errors/aws-error.js';
import { parseJsonBody } from './aws-json.js';
import { decodeFailure, type Decoded } from './decoded.js';
import { LOCKSMITH_OPERATIONS, type LocksmithHandlers, type LocksmithOperation } from '../services/locksmith/operations.js';

export { LOCKSMITH_OPERATIONS, type LocksmithHandlers, type LocksmithOperation };

/**
 * Locksmith's own API, awsJson1.1 like KMS: `X-Amz-Target: LocksmithService.<Operation>`, signed
 * with SigV4 for the service `locksmith` (credential scope `<date>/<region>/locksmith/aws4_request`).
 * Operations: Explain, VerifyAuditTrail, GetDevClock, AdvanceDevClock, SetDevClock.
 */
export const LOCKSMITH_TARGET_PREFIX = 'LocksmithService';

export function locksmithOperationOf(target: string | undefined): LocksmithOperation | undefined {
  const name = target?.startsWith(`${LOCKSMITH_TARGET_PREFIX}.`) ? target.slice(LOCKSMITH_TARGET_PREFIX.length + 1) : undefined;
  return LOCKSMITH_OPERATIONS.find((op) => op === name);
}

/** Decodes one LocksmithService call: the operation its target names and its JSON (each operation validates its own). */
export function decodeLocksmith(target: string | undefined, body: Buffer): Decoded {
  let operation: LocksmithOperation | undefined;
  try {
    operation = locksmithOperationOf(target);
    if (operation === undefined) throw UnknownOperationException();
    const request = parseJsonBody(body);
    return { operation, request, input: request };
  } catch (e) {
    return decodeFailure({ operation }, e);
  }
}
