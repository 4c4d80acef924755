/**
 * A request signed for a service Locksmith does not serve (S3, SQS, SNS, DynamoDB, …) is answered
 * in that service's own protocol, so the client shows a readable error naming what Locksmith
 * serves instead of failing to parse a KMS-shaped one ("400 Bad Request"). One row per protocol;
 * a new protocol is a new row, a newly served service leaves the table through SERVED_SERVICES.
 */
import { AwsError, type AwsErrorCode } from '../errors/aws-error.js';
import type { WireResponse } from '../protocols/aws-json.js';
import { document, element } from '../protocols/xml.js';

/** The services the request pipeline routes (src/server/service-routes.ts, plus S3). */
export const SERVED_SERVICES: readonly string[] = ['kms', 'iam', 'sts', 'cloudtrail', 's3', 'locksmith'];

type Protocol = 'restXml' | 'restJson' | 'awsJson' | 'awsQuery';

/**
 * The protocol of well-known services whose requests carry no hint of it (REST protocols), from
 * their botocore models' `metadata.protocol`. awsJson and awsQuery requests are recognised by
 * their X-Amz-Target header and form body (SQS accepts both), so they need no row.
 */
const REST_PROTOCOLS: Record<string, Protocol> = {
  s3: 'restXml',
  s3control: 'restXml',
  route53: 'restXml',
  cloudfront: 'restXml',
  lambda: 'restJson',
  apigateway: 'restJson',
  execute_api: 'restJson',
  ses: 'awsQuery',
  sns: 'awsQuery',
};

/** How each protocol says "no such operation here". */
const ANSWERS: Record<Protocol, { code: AwsErrorCode; status: number; render: (e: AwsError, requestId: string) => WireResponse }> = {
  // S3's own code for functionality it does not implement (501).
  restXml: {
    code: 'NotImplemented',
    status: 501,
    render: (e, requestId) => ({
      status: e.status,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n${element('Error', { Code: e.code, Message: e.message, RequestId: requestId })}`,
    }),
  },
  restJson: { code: 'UnknownOperationException', status: 400, render: (e) => jsonAnswer(e, 'application/json') },
  awsJson: { code: 'UnknownOperationException', status: 400, render: (e) => jsonAnswer(e, 'application/x-amz-json-1.0') },
  // The common awsQuery error for an action the endpoint does not know.
  awsQuery: {
    code: 'InvalidAction',
    status: 400,
    render: (e, requestId) => ({
      status: e.status,
      headers: { 'content-type': 'text/xml' },
      body: document('ErrorResponse', 'http://webservices.amazon.com/AWSFault/2005-15-09', element('Error', { Type: 'Sender', Code: e.code, Message: e.message }) + element('RequestId', requestId)),
    }),
  },
};

function jsonAnswer(e: AwsError, contentType: string): WireResponse {
  // __type for awsJson clients, x-amzn-errortype for restJson ones.
  return { status: e.status, headers: { 'content-type': contentType, 'x-amzn-errortype': e.code }, body: JSON.stringify({ __type: e.code, message: e.message }) };
}

type Headers = Record<string, string | string[] | undefined>;
const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * The error for a request to a service Locksmith does not serve, in that service's protocol's
 * terms; thrown after authentication, so a forged request is still refused as one.
 */
export function unservedService(service: string, headers: Headers): AwsError {
  const answer = ANSWERS[protocolOf(service, headers)];
  const message = `Locksmith serves AWS KMS, IAM, STS, CloudTrail (lookup-events) and S3; it does not serve the '${service}' service.`;
  return new AwsError(answer.code, message, answer.status);
}

/** Any error (this one, or an authentication failure) for an unserved service, in its protocol; undefined for served ones. */
export function unservedServiceResponse(error: AwsError, service: string | undefined, headers: Headers, requestId: string): WireResponse | undefined {
  if (service === undefined || SERVED_SERVICES.includes(service)) return undefined;
  const protocol = protocolOf(service, headers);
  const response = ANSWERS[protocol].render(error, requestId);
  // awsJson 1.0 and 1.1 clients are answered in the version they sent.
  const sent = first(headers['content-type']) ?? '';
  if (protocol === 'awsJson' && /^application\/x-amz-json-1\.[01]$/.test(sent)) response.headers['content-type'] = sent;
  return response;
}

function protocolOf(service: string, headers: Headers): Protocol {
  if (first(headers['x-amz-target'])) return 'awsJson';
  if ((first(headers['content-type']) ?? '').startsWith('application/x-www-form-urlencoded')) return 'awsQuery';
  return REST_PROTOCOLS[service] ?? 'restJson';
}
