import type { Principal } from '../domain/call-context.js';
import type { AwsError } from '../errors/aws-error.js';
import { queryErrorCode } from '../errors/query-codes.js';
import type { AuditPrincipal, NewAuditCall } from '../store/audit-ports.js';
import type { ApiCallTrace, AuditedService } from './api-call.js';
import { keyMaterialIdOf, kmsResourceFacts } from './kms-resources.js';
import { isReadOnly } from './record.js';
import { jsonRequestParameters, kmsRequestParameters, kmsResponseElements, queryRequestParameters, queryResponseElements } from './redact.js';

/**
 * The request path's part of an audit record: the facts of a call (NewAuditCall), taken from its
 * trace once it was served. Only what needs the request or the result is done here — redacted
 * request parameters and response elements, error code, the keys the ciphertexts and the response
 * name; the audit writer derives the CloudTrail records from the facts (event-builder.ts).
 */

/** Operations whose events carry no responseElements although they are not KMS read-only operations. */
const NO_RESPONSE_ELEMENTS = new Set(['GetCallerIdentity']);

const isDenial = (e: AwsError | undefined) => e !== undefined && /^AccessDenied/.test(e.code);

/** The facts of a traced call; undefined for a call whose operation or caller is unknown (nothing is recorded). */
export function callFacts(trace: ApiCallTrace): NewAuditCall | undefined {
  const { service, operation, principal, region } = trace;
  if (!service || !operation || !principal || region === undefined) return undefined;
  const base: NewAuditCall = {
    service, operation, region, principal: auditPrincipal(principal),
    eventTime: trace.eventTime.getTime(), sourceIp: trace.sourceIp, userAgent: trace.userAgent, requestId: trace.requestId,
    requestParameters: null, responseElements: null, keys: [], keyRefs: [], authorizedKeys: trace.authorizedKeys ? [...trace.authorizedKeys] : [],
  };
  if (trace.viaService !== undefined) base.viaService = trace.viaService;
  if (trace.error) base.error = { ...errorFields(service, trace.error), denial: isDenial(trace.error) };
  try {
    const request = trace.unauthenticated ? undefined : trace.request;
    const readOnly = isReadOnly(service, operation);
    base.requestParameters = trace.prepared && !trace.unauthenticated ? trace.prepared.requestParameters : requestParameters(service, operation, request);
    base.responseElements = trace.error || (readOnly && service !== 'sts') || NO_RESPONSE_ELEMENTS.has(operation) ? null : responseElements(service, operation, trace.output);
    if (service === 'kms') {
      Object.assign(base, kmsResourceFacts(region, request, trace.output));
      const materialId = keyMaterialIdOf(request, trace.output);
      if (materialId) base.keyMaterialId = materialId;
    } else if (service === 'sts' && operation === 'AssumeRole' && request instanceof Map) {
      const arn = request.get('RoleArn');
      const m = typeof arn === 'string' ? /^arn:[^:]+:iam::(\d{12}):role\//.exec(arn) : null;
      if (m) base.role = { accountId: m[1]!, arn: arn as string };
    }
    return base;
  } catch {
    // No input may make recording throw: the call is recorded without the parts that could not be built.
    return { ...base, requestParameters: null, responseElements: null, keys: [], keyRefs: [], minimal: true };
  }
}

/** The principal's members a record's userIdentity is built from. */
function auditPrincipal(p: Principal): AuditPrincipal {
  const out: AuditPrincipal = { type: p.type, account: p.account, arn: p.arn, accessKeyId: p.accessKeyId };
  if (p.userId !== undefined) out.userId = p.userId;
  if (p.userName !== undefined) out.userName = p.userName;
  if (p.roleArn !== undefined) out.roleArn = p.roleArn;
  if (p.roleName !== undefined) out.roleName = p.roleName;
  if (p.session) out.session = { issuerArn: p.session.issuerArn, issuerName: p.session.issuerName };
  return out;
}

/** The record's errorCode and errorMessage: IAM and STS errors by their awsQuery codes, KMS AccessDeniedException as AccessDenied. */
function errorFields(service: AuditedService, error: AwsError): { errorCode: string; errorMessage?: string } {
  let code = error.code;
  if (service === 'iam' || service === 'sts') code = queryErrorCode(error, service);
  else if (code === 'AccessDeniedException') code = 'AccessDenied';
  return error.message === '' ? { errorCode: code } : { errorCode: code, errorMessage: error.message };
}

/** The record's requestParameters (redacted), from the decoded request. */
export function requestParameters(service: AuditedService, operation: string, request: unknown): Record<string, unknown> | null {
  if (request === undefined) return null;
  switch (service) {
    case 'kms': {
      const params = kmsRequestParameters(operation, request);
      // "The CloudTrail log entry for a Decrypt operation always includes the encryptionAlgorithm."
      if ((operation === 'Decrypt' || operation === 'Encrypt') && params?.encryptionAlgorithm === undefined) {
        return { encryptionAlgorithm: 'SYMMETRIC_DEFAULT', ...params }; // first: in canonical order before the usual members
      }
      return params;
    }
    case 'iam':
    case 'sts':
      return request instanceof Map ? queryRequestParameters(request as Map<string, string>) : null;
    default:
      return jsonRequestParameters(request);
  }
}

function responseElements(service: AuditedService, operation: string, output: unknown): Record<string, unknown> | null {
  if (service === 'kms') return kmsResponseElements(operation, output);
  return service === 'cloudtrail' ? null : queryResponseElements(output);
}
