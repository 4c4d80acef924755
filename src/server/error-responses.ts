/** Errors as the protocol of the service a request was for answers them. */
import type { AwsError } from '../errors/aws-error.js';
import { awsJsonError } from '../protocols/aws-json.js';
import { awsQueryError } from '../protocols/aws-query.js';
import { restXmlError } from '../protocols/rest-xml.js';
import { s3AuthError, s3ErrorResponse, type S3WireResponse } from './s3-route.js';
import { unservedServiceResponse } from './unknown-service.js';
import type { IncomingMessage } from 'node:http';
import type { HttpRequestParts } from '../auth/sigv4.js';

/** XML for awsQuery (IAM, STS) and REST-XML (S3), JSON otherwise. */
export function errorResponse(error: AwsError, requestId: string, service: string): S3WireResponse {
  if (service === 's3') return restXmlError(error, requestId);
  return service === 'iam' || service === 'sts' ? awsQueryError(error, requestId, service) : awsJsonError(error);
}

/**
 * A failed call's answer: an unserved service's in that service's protocol; S3's with its
 * authentication errors in S3's terms. The connection closes after a 413, and after an S3 body
 * refused before it was read (EntityTooLarge, a failed signature): it is not drained.
 */
export function failureResponse(error: AwsError, service: string, routedService: string | undefined, call: { incoming: IncomingMessage; parts: HttpRequestParts; requestId: string }): S3WireResponse {
  const response =
    unservedServiceResponse(error, routedService, call.incoming.headers, call.requestId) ??
    (service === 's3' ? s3ErrorResponse(s3AuthError(error, undefined) as AwsError, call.requestId, call.parts.method) : errorResponse(error, call.requestId, service));
  if (error.status === 413) response.headers.connection = 'close';
  if (service === 's3' && !call.incoming.complete) response.headers.connection = 'close';
  return response;
}
