/**
 * S3 error constructors (S3 API Reference, "Error responses"): `code` is S3's `<Code>`, the status
 * comes from the one table in codes.ts.
 */
import { AwsError, type AwsErrorCode } from './aws-error.js';

export const s3Error = (code: AwsErrorCode, message: string): AwsError => new AwsError(code, message);

export const NoSuchBucket = () => s3Error('NoSuchBucket', 'The specified bucket does not exist');
export const NoSuchKey = () => s3Error('NoSuchKey', 'The specified key does not exist.');
export const NoSuchUpload = () =>
  s3Error('NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
export const MalformedXML = () =>
  s3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
export const InvalidArgument = (message: string) => s3Error('InvalidArgument', message);
export const InvalidRequest = (message: string) => s3Error('InvalidRequest', message);
export const NotImplemented = (operation: string) =>
  s3Error('NotImplemented', `A header you provided implies functionality that is not implemented (Locksmith does not implement the S3 operation ${operation}).`);
