import type { ServedCall } from '../audit/api-call.js';
import type { CallContext } from '../domain/call-context.js';
import { UnknownOperationException } from '../errors/aws-error.js';
import { AWS_JSON_11, parseJsonBody, type WireResponse } from './aws-json.js';
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

export async function serveLocksmith(handlers: LocksmithHandlers, ctx: CallContext, target: string | undefined, body: Buffer, call: ServedCall = {}): Promise<WireResponse> {
  const operation = locksmithOperationOf(target);
  if (operation === undefined) throw UnknownOperationException();
  call.operation = operation;
  const json = parseJsonBody(body);
  call.request = json;
  await call.prepare?.();
  const output = await handlers[operation](ctx, json);
  call.output = output;
  return { status: 200, headers: { 'content-type': AWS_JSON_11 }, body: JSON.stringify(output) };
}
