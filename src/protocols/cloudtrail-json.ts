import type { ServedCall } from '../audit/api-call.js';
import { lookupEvents } from '../services/cloudtrail/lookup-events.js';
import type { CallContext } from '../domain/call-context.js';
import type { Store } from '../store/ports.js';
import { AWS_JSON_11, parseJsonBody, type WireResponse } from './aws-json.js';
import { UnknownOperationException } from '../errors/aws-error.js';

/**
 * `X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Operation>` (awsJson1.1;
 * botocore's targetPrefix); the Smithy-based SDKs send the short form `CloudTrail_20131101.<Operation>`.
 */
export const CLOUDTRAIL_TARGET_PREFIX = 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101';
const SHORT_PREFIX = 'CloudTrail_20131101';

/** The CloudTrail operation a target names, or undefined. */
export function cloudTrailOperationOf(target: string | undefined): string | undefined {
  for (const prefix of [CLOUDTRAIL_TARGET_PREFIX, SHORT_PREFIX]) {
    if (target?.startsWith(`${prefix}.`)) return target.slice(prefix.length + 1);
  }
  return undefined;
}

/** Serves one CloudTrail call. Locksmith implements LookupEvents; `call` learns what the audit trail needs. */
export async function serveCloudTrail(store: Store, ctx: CallContext, target: string | undefined, body: Buffer, call: ServedCall = {}): Promise<WireResponse> {
  if (cloudTrailOperationOf(target) !== 'LookupEvents') throw UnknownOperationException();
  call.operation = 'LookupEvents';
  const json = parseJsonBody(body);
  call.request = json;
  await call.prepare?.();
  const output = await lookupEvents(json, ctx, store);
  call.output = output;
  return { status: 200, headers: { 'content-type': AWS_JSON_11 }, body: JSON.stringify(output) };
}
