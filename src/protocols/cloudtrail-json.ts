import { AWS_JSON_11, parseJsonBody, type WireResponse } from './aws-json.js';
import { decodeFailure, type Decoded } from './decoded.js';
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

/** Decodes one CloudTrail call: Locksmith implements LookupEvents, whose JSON its service validates. */
export function decodeCloudTrail(target: string | undefined, body: Buffer): Decoded {
  let operation: string | undefined;
  try {
    if (cloudTrailOperationOf(target) !== 'LookupEvents') throw UnknownOperationException();
    operation = 'LookupEvents';
    const request = parseJsonBody(body);
    return { operation, request, input: request };
  } catch (e) {
    return decodeFailure({ operation }, e);
  }
}

/** A JSON operation output (CloudTrail, LocksmithService) as its awsJson1.1 response. */
export function encodeJson(output: unknown): WireResponse {
  return { status: 200, headers: { 'content-type': AWS_JSON_11 }, body: JSON.stringify(output) };
}
