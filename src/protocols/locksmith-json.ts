import type { ServedCall } from '../audit/api-call.js';
import type { CallContext } from '../domain/call-context.js';
import type { ExplainService } from '../services/explain/explain-service.js';
import { UnknownOperationException } from '../errors/aws-error.js';
import { AWS_JSON_11, parseJsonBody, type WireResponse } from './aws-json.js';

/**
 * Locksmith's own API, awsJson1.1 like KMS: `X-Amz-Target: LocksmithService.<Operation>`, signed
 * with SigV4 for the service `locksmith` (credential scope `<date>/<region>/locksmith/aws4_request`).
 * One operation: Explain.
 */
export const LOCKSMITH_TARGET_PREFIX = 'LocksmithService';

export function locksmithOperationOf(target: string | undefined): string | undefined {
  return target === `${LOCKSMITH_TARGET_PREFIX}.Explain` ? 'Explain' : undefined;
}

export async function serveLocksmith(explainer: ExplainService, ctx: CallContext, target: string | undefined, body: Buffer, call: ServedCall = {}): Promise<WireResponse> {
  if (locksmithOperationOf(target) === undefined) throw UnknownOperationException();
  call.operation = 'Explain';
  const json = parseJsonBody(body);
  call.request = json;
  await call.prepare?.();
  const output = await explainer.explain(ctx, json);
  call.output = output;
  return { status: 200, headers: { 'content-type': AWS_JSON_11 }, body: JSON.stringify(output) };
}
