/**
 * Errors as AWS names them. `code` is the exact exception name that goes on the wire
 * (`__type` in awsJson1.1, `<Code>` in awsQuery/restXml); `status` is AWS's HTTP status
 * (by default the one errors/codes.ts lists for the code). Services throw these; one writer per
 * protocol turns them into responses.
 */
import { errorStatus, type AwsErrorCode } from './codes.js';

export type { AwsErrorCode } from './codes.js';

export class AwsError extends Error {
  constructor(
    readonly code: AwsErrorCode,
    message: string,
    readonly status: number = errorStatus(code),
  ) {
    super(message);
    this.name = code;
  }

  /** Server-side faults (5xx) are retryable by AWS SDKs. */
  get isFault(): boolean {
    return this.status >= 500;
  }
}

// Each factory answers with its code's status from the one table (codes.ts).
const error = (code: AwsErrorCode) => {
  const status = errorStatus(code);
  return (message = '') => new AwsError(code, message, status);
};

// Protocol and authentication errors (common to all AWS JSON services).
export const SerializationException = error('SerializationException');
export const UnknownOperationException = error('UnknownOperationException');
export const MissingAuthenticationTokenException = error('MissingAuthenticationTokenException');
export const IncompleteSignatureException = error('IncompleteSignatureException');
export const InvalidSignatureException = error('InvalidSignatureException');
export const UnrecognizedClientException = error('UnrecognizedClientException');
export const ExpiredTokenException = error('ExpiredTokenException');
export const RequestEntityTooLargeException = error('RequestEntityTooLargeException');
export const ValidationException = error('ValidationException');
export const AccessDeniedException = error('AccessDeniedException');
export const ThrottlingException = error('ThrottlingException');

// KMS service errors (names from the KMS model).
export const NotFoundException = error('NotFoundException');
export const AlreadyExistsException = error('AlreadyExistsException');
export const DisabledException = error('DisabledException');
export const KMSInvalidStateException = error('KMSInvalidStateException');
export const InvalidCiphertextException = error('InvalidCiphertextException');
export const KMSInvalidSignatureException = error('KMSInvalidSignatureException');
export const KMSInvalidMacException = error('KMSInvalidMacException');
export const IncorrectKeyException = error('IncorrectKeyException');
export const InvalidKeyUsageException = error('InvalidKeyUsageException');
export const InvalidAliasNameException = error('InvalidAliasNameException');
export const InvalidArnException = error('InvalidArnException');
export const InvalidMarkerException = error('InvalidMarkerException');
export const InvalidGrantTokenException = error('InvalidGrantTokenException');
export const InvalidGrantIdException = error('InvalidGrantIdException');
export const TagException = error('TagException');
export const LimitExceededException = error('LimitExceededException');
export const MalformedPolicyDocumentException = error('MalformedPolicyDocumentException');
export const UnsupportedOperationException = error('UnsupportedOperationException');
export const DryRunOperationException = error('DryRunOperationException');
export const KMSInternalException = error('KMSInternalException');
export const ExpiredImportTokenException = error('ExpiredImportTokenException');
export const InvalidImportTokenException = error('InvalidImportTokenException');
export const IncorrectKeyMaterialException = error('IncorrectKeyMaterialException');

// IAM and STS (awsQuery) errors: codes and statuses from the IAM and STS models' awsQueryError traits.
export const NoSuchEntity = error('NoSuchEntity');
export const EntityAlreadyExists = error('EntityAlreadyExists');
export const DeleteConflict = error('DeleteConflict');
export const LimitExceeded = error('LimitExceeded');
export const MalformedPolicyDocument = error('MalformedPolicyDocument');
export const ValidationError = error('ValidationError');
export const InvalidInput = error('InvalidInput');
export const MissingParameter = error('MissingParameter');
export const AccessDenied = error('AccessDenied');
export const InvalidAction = error('InvalidAction');
export const MissingAction = error('MissingAction');
export const InvalidClientTokenId = error('InvalidClientTokenId');
export const PackedPolicyTooLarge = error('PackedPolicyTooLarge');
export const InvalidParameterValue = error('InvalidParameterValue');
export const MalformedInput = error('MalformedInput');
/** Common Errors (IAM and STS API References): "The AWS query string is malformed or does not adhere to AWS standards." (400). */
export const InvalidQueryParameter = error('InvalidQueryParameter');
