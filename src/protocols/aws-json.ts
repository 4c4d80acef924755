import type { ServedCall } from '../audit/api-call.js';
import { isKmsOperation, kmsTargetPrefix } from '../model/kms-model.js';
import { readInput } from '../model/shape-input.js';
import { writeOutput } from '../model/shape-output.js';
import type { CallContext } from '../domain/call-context.js';
import type { KmsService } from '../services/kms/kms-service.js';
import { KMS_OPERATIONS } from '../services/kms/operations.js';
import { AwsError, SerializationException, UnknownOperationException, UnsupportedOperationException } from '../errors/aws-error.js';

/** An HTTP response as the protocol layer produces it; the server writes it. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const AWS_JSON_11 = 'application/x-amz-json-1.1';

/** awsJson1.1 error body: `{"__type": "<ExceptionName>", "message": "..."}` with AWS's status. */
export function awsJsonError(error: AwsError): WireResponse {
  const body: Record<string, string> = { __type: error.code };
  if (error.message !== '') body.message = error.message;
  return { status: error.status, headers: { 'content-type': AWS_JSON_11 }, body: JSON.stringify(body) };
}

/** The operation an `X-Amz-Target: TrentService.<Operation>` header names. */
export function kmsOperationOf(target: string | undefined): string {
  const prefix = `${kmsTargetPrefix}.`;
  if (!target?.startsWith(prefix)) throw UnknownOperationException();
  const operation = target.slice(prefix.length);
  if (!isKmsOperation(operation)) throw UnknownOperationException();
  return operation;
}

/** The JSON of an awsJson request body; an empty or malformed body is a SerializationException. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw SerializationException();
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw SerializationException();
  }
}

/**
 * Serves one KMS call: target → operation, JSON → validated input, operation → JSON output.
 * `call` learns the operation, the request and the output as serving gets that far (for the
 * audit trail); errors are thrown, and the caller records them.
 */
/** A served call that may time its stages (server/stage-timing.ts, only with LOCKSMITH_STAGE_TIMING=1). */
export type TimedCall = ServedCall & { lap?: (stage: 'decode' | 'audit prepare' | 'operation' | 'encode') => void };

export async function serveKms(kms: KmsService, ctx: CallContext, target: string | undefined, body: Buffer, call: TimedCall = {}): Promise<WireResponse> {
  const operation = kmsOperationOf(target);
  call.operation = operation;
  const json = parseJsonBody(body);
  call.request = json;
  const handler = KMS_OPERATIONS[operation];
  if (!handler) throw UnsupportedOperationException(`${operation} is not implemented by Locksmith yet.`);
  const input = readInput(operation, json);
  call.request = input;
  call.lap?.('decode');
  // Audit first: the request's part of the record is built before the operation can change anything.
  await call.prepare?.();
  call.lap?.('audit prepare');
  const output = await handler(input, ctx, kms);
  call.output = output;
  call.lap?.('operation');
  const response = { status: 200, headers: { 'content-type': AWS_JSON_11 }, body: JSON.stringify(writeOutput(operation, output)) };
  call.lap?.('encode');
  return response;
}
