/**
 * Our errors carry awsJson names where a service-neutral error is raised (authentication, the
 * policy engine); IAM and STS name them differently (IAM/STS API Reference, "Common Errors";
 * AWS returns ExpiredToken with 403 for an expired session token).
 */
import type { AwsError } from './aws-error.js';
import type { AwsErrorCode } from './codes.js';

const QUERY_CODES: Partial<Record<AwsErrorCode, { code: AwsErrorCode; status: number }>> = {
  UnrecognizedClientException: { code: 'InvalidClientTokenId', status: 403 },
  InvalidSignatureException: { code: 'SignatureDoesNotMatch', status: 403 },
  IncompleteSignatureException: { code: 'IncompleteSignature', status: 400 },
  MissingAuthenticationTokenException: { code: 'MissingAuthenticationToken', status: 403 },
  ExpiredTokenException: { code: 'ExpiredToken', status: 403 },
  AccessDeniedException: { code: 'AccessDenied', status: 403 },
  ValidationException: { code: 'ValidationError', status: 400 },
  ThrottlingException: { code: 'Throttling', status: 400 },
  SerializationException: { code: 'MalformedInput', status: 400 },
  UnknownOperationException: { code: 'InvalidAction', status: 400 },
  UnsupportedOperationException: { code: 'InvalidAction', status: 400 },
  MalformedPolicyDocumentException: { code: 'MalformedPolicyDocument', status: 400 },
  LimitExceededException: { code: 'LimitExceeded', status: 409 },
  NotFoundException: { code: 'NoSuchEntity', status: 404 },
  AlreadyExistsException: { code: 'EntityAlreadyExists', status: 409 },
  RequestEntityTooLargeException: { code: 'RequestEntityTooLarge', status: 413 },
};

/** The code and status IAM or STS report for an AwsError. Faults (5xx) are ServiceFailure (IAM) / InternalFailure (STS). */
export function queryError(error: AwsError, service: 'iam' | 'sts'): { code: AwsErrorCode; status: number } {
  const { code, status } = QUERY_CODES[error.code] ?? { code: error.code, status: error.status };
  return { code: status >= 500 ? (service === 'iam' ? 'ServiceFailure' : 'InternalFailure') : code, status };
}

/** The error code IAM or STS reports for an AwsError. */
export const queryErrorCode = (error: AwsError, service: 'iam' | 'sts'): AwsErrorCode => queryError(error, service).code;
