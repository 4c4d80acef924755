import { isKmsOperation, kmsTargetPrefix } from '../model/kms-model.js';
import { readInput } from '../model/shape-input.js';
import { writeOutput } from '../model/shape-output.js';
import { decodeFailure, type Decoded } from './decoded.js';
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
 * Decodes one KMS call: target → operation, JSON → validated input. The record shows the JSON as
 * parsed until it validates, then the validated input.
 */
export function decodeKms(target: string | undefined, body: Buffer): Decoded {
  let operation: string | undefined;
  let request: unknown;
  try {
    operation = kmsOperationOf(target);
    request = parseJsonBody(body);
    if (!KMS_OPERATIONS[operation]) throw UnsupportedOperationException(`${operation} is not implemented by Locksmith yet.`);
    const input = readInput(operation, request);
    return { operation, request: input, input };
  } catch (e) {
    return decodeFailure({ operation, request }, e);
  }
}

/** A KMS operation's output as its awsJson1.1 response. */
export function encodeKms(operation: string, output: unknown): WireResponse {
  return { status: 200, headers: { 'content-type': AWS_JSON_11 }, body: JSON.stringify(writeOutput(operation, output as Record<string, unknown>)) };
}
