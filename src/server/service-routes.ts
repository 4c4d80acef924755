/**
 * The route table of the request pipeline: one row per service, by its SigV4 signing name. A row
 * joins the service's protocol (decoder, encoder, error writer) to its service object, built here
 * once from the composition root's parts. Adding a service is adding a row.
 */
import type { AuditedService } from '../audit/api-call.js';
import type { HttpRequestParts } from '../auth/sigv4.js';
import type { CallContext } from '../domain/call-context.js';
import type { AwsError } from '../errors/aws-error.js';
import { awsJsonError, decodeKms, encodeKms, kmsOperationOf, type WireResponse } from '../protocols/aws-json.js';
import { awsQueryError, decodeQuery, encodeQuery, queryActionOf } from '../protocols/aws-query.js';
import { cloudTrailOperationOf, decodeCloudTrail, encodeJson } from '../protocols/cloudtrail-json.js';
import type { Decoded } from '../protocols/decoded.js';
import { decodeLocksmith, locksmithOperationOf, type LocksmithHandlers, type LocksmithOperation } from '../protocols/locksmith-json.js';
import type { CloudTrailService } from '../services/cloudtrail/cloudtrail-service.js';
import type { QueryResult } from '../services/iam/operation.js';
import type { QueryApi } from '../services/iam/query-api.js';
import type { QueryInput } from '../services/iam/query-input.js';
import type { KmsService } from '../services/kms/kms-service.js';
import { KMS_OPERATIONS } from '../services/kms/operations.js';
import { queryInput } from './request-reading.js';
import type { S3Row } from './s3-route.js';

/** A service whose requests are read whole before they are authenticated (awsJson, awsQuery). */
export interface ServiceRoute {
  readonly service: AuditedService;
  /** The operation a request names, for the record of a call that failed authentication (no members). */
  operationNamed(target: string | undefined, body: Buffer, parts: HttpRequestParts): string | undefined;
  /** Target header / form Action → operation; body → validated input. */
  decode(target: string | undefined, body: Buffer, parts: HttpRequestParts): Decoded;
  /** Runs a decoded operation on the service object. */
  invoke(operation: string, input: unknown, ctx: CallContext): Promise<unknown>;
  encode(operation: string, output: unknown, requestId: string): WireResponse;
  /** An error in the service's protocol. */
  error(error: AwsError, requestId: string): WireResponse;
}

export interface ServiceRoutes {
  /** Rows by SigV4 signing name. */
  readonly byService: ReadonlyMap<string, ServiceRoute>;
  /** S3 (REST-XML, streamed bodies), when served. */
  readonly s3?: S3Row;
}

/** The service objects the composition root builds. */
export interface ServiceObjects {
  kms: KmsService;
  iam: QueryApi;
  sts: QueryApi;
  cloudtrail: CloudTrailService;
  locksmith: LocksmithHandlers;
  s3?: S3Row;
}

const unlessThrows = <T>(f: () => T): T | undefined => {
  try {
    return f();
  } catch {
    return undefined;
  }
};

function queryRow(service: 'iam' | 'sts', api: QueryApi): ServiceRoute {
  return {
    service,
    operationNamed: (_t, body, parts) => queryActionOf(service, queryInput(parts, body)),
    decode: (_t, body, parts) => decodeQuery(service, queryInput(parts, body)),
    invoke: (operation, input, ctx) => api[operation]!(input as QueryInput, ctx),
    encode: (operation, output, requestId) => encodeQuery(service, operation, output as QueryResult | undefined, requestId),
    error: (error, requestId) => awsQueryError(error, requestId, service),
  };
}

export function serviceRoutes(o: ServiceObjects): ServiceRoutes {
  const kms: ServiceRoute = {
    service: 'kms',
    operationNamed: (target) => unlessThrows(() => kmsOperationOf(target)),
    decode: decodeKms,
    invoke: (operation, input, ctx) => KMS_OPERATIONS[operation]!(input as never, ctx, o.kms),
    encode: encodeKms,
    error: awsJsonError,
  };
  const cloudtrail: ServiceRoute = {
    service: 'cloudtrail',
    operationNamed: (target) => (cloudTrailOperationOf(target) === 'LookupEvents' ? 'LookupEvents' : undefined),
    decode: decodeCloudTrail,
    invoke: (_operation, input, ctx) => o.cloudtrail.lookupEvents(input, ctx),
    encode: (_operation, output) => encodeJson(output),
    error: awsJsonError,
  };
  const locksmith: ServiceRoute = {
    service: 'locksmith',
    operationNamed: (target) => locksmithOperationOf(target),
    decode: decodeLocksmith,
    invoke: (operation, input, ctx) => o.locksmith[operation as LocksmithOperation](ctx, input),
    encode: (_operation, output) => encodeJson(output),
    error: awsJsonError,
  };
  const rows = [kms, queryRow('iam', o.iam), queryRow('sts', o.sts), cloudtrail, locksmith];
  return { byService: new Map(rows.map((r) => [r.service, r])), ...(o.s3 ? { s3: o.s3 } : {}) };
}
