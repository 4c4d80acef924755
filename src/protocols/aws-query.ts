import type { ServedCall } from '../audit/api-call.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { CallContext } from '../domain/call-context.js';
import type { QueryOperation } from '../services/iam/operation.js';
import { IAM_OPERATIONS } from '../services/iam/operations.js';
import { QueryInput, type QueryStyle } from '../services/iam/query-input.js';
import { STS_OPERATIONS } from '../services/sts/operations.js';
import type { Store } from '../store/ports.js';
import type { WireResponse } from './aws-json.js';
import { AwsError, InvalidAction, InvalidQueryParameter, MissingAction } from '../errors/aws-error.js';
import { queryError } from '../errors/query-codes.js';
import { document, element, type XmlValue } from './xml.js';

/**
 * The awsQuery protocol of IAM and STS ("Query API requests"): form-encoded `Action`, `Version`
 * and members; XML responses `<XResponse xmlns=…><XResult>…</XResult><ResponseMetadata>…`; XML
 * errors `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
 */
export interface QueryDeps {
  store: Store;
  keyring: RootKeyring;
}

interface QueryService {
  name: QueryStyle;
  version: string;
  xmlns: string;
  operations: Readonly<Record<string, QueryOperation>>;
}

const IAM: QueryService = { name: 'iam', version: '2010-05-08', xmlns: 'https://iam.amazonaws.com/doc/2010-05-08/', operations: IAM_OPERATIONS };
const STS: QueryService = { name: 'sts', version: '2011-06-15', xmlns: 'https://sts.amazonaws.com/doc/2011-06-15/', operations: STS_OPERATIONS };
/** InvalidAction comes from the AWS front end, in its own namespace. */
const AWS_FAULT_XMLNS = 'http://webservices.amazon.com/AWSFault/2005-15-09';
const TEXT_XML = 'text/xml';

/** Serves one IAM call; `trace` learns the action, its members and its result or error (for the audit trail). */
export function serveIam(deps: QueryDeps, ctx: CallContext, body: Buffer, trace?: ServedCall): Promise<WireResponse> {
  return serve(IAM, deps, ctx, body, trace);
}

export function serveSts(deps: QueryDeps, ctx: CallContext, body: Buffer, trace?: ServedCall): Promise<WireResponse> {
  return serve(STS, deps, ctx, body, trace);
}

/** The action a request body names, when the service has it (for auditing calls that fail authentication). */
export function queryActionOf(service: 'iam' | 'sts', body: Buffer): string | undefined {
  const action = parseQueryBody(body).get('Action');
  const operations = (service === 'iam' ? IAM : STS).operations;
  return action !== undefined && Object.hasOwn(operations, action) ? action : undefined;
}

/** Form-encoded members; for a repeated name the first value counts. */
export function parseQueryBody(body: Buffer): Map<string, string> {
  const params = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(body.toString('utf8'))) if (!params.has(k)) params.set(k, v);
  return params;
}

/**
 * Bounds on a form no IAM or STS member comes near (the deepest, `Tags.member.N.Key`, has 4 parts;
 * the longest lists have 50 structures). A form past them is refused before anything reads it, so
 * neither an operation nor the audit record builder walks a hostile shape.
 */
export const MAX_QUERY_MEMBERS = 1000;
export const MAX_QUERY_NAME_PARTS = 16;
export const MAX_QUERY_NAME_LENGTH = 256;

/** The Common Errors text of InvalidQueryParameter (IAM and STS API References, "Common Errors"). */
const MALFORMED_QUERY = 'The AWS query string is malformed or does not adhere to AWS standards.';

/** Refuses a form whose member names or count are past the bounds above. */
export function checkQueryForm(params: ReadonlyMap<string, string>): void {
  if (params.size > MAX_QUERY_MEMBERS) throw InvalidQueryParameter(MALFORMED_QUERY);
  for (const name of params.keys()) {
    if (name.length > MAX_QUERY_NAME_LENGTH) throw InvalidQueryParameter(MALFORMED_QUERY);
    let parts = 1;
    for (let i = name.indexOf('.'); i >= 0; i = name.indexOf('.', i + 1)) if (++parts > MAX_QUERY_NAME_PARTS) throw InvalidQueryParameter(MALFORMED_QUERY);
  }
}

async function serve(service: QueryService, deps: QueryDeps, ctx: CallContext, body: Buffer, trace: ServedCall = {}): Promise<WireResponse> {
  try {
    const params = parseQueryBody(body);
    const action = params.get('Action');
    if (!action) throw MissingAction('Missing Action');
    const version = params.get('Version') ?? service.version;
    const operation = Object.hasOwn(service.operations, action) ? service.operations[action] : undefined;
    if (!operation || version !== service.version) throw InvalidAction(`Could not find operation ${action} for version ${version}`);
    trace.operation = action;
    checkQueryForm(params);
    trace.request = params;
    // Audit first: the request's part of the record is built before the operation can change anything.
    await trace.prepare?.();
    const result = await operation(new QueryInput(params, service.name), ctx, deps);
    trace.output = result;
    const children = (result ? element(`${action}Result`, result as XmlValue) : '') + element('ResponseMetadata', { RequestId: ctx.requestId });
    return { status: 200, headers: { 'content-type': TEXT_XML }, body: document(`${action}Response`, service.xmlns, children) };
  } catch (e) {
    if (!(e instanceof AwsError)) throw e;
    trace.error = e;
    return awsQueryError(e, ctx.requestId, service.name);
  }
}

/** An AwsError as IAM or STS sends it. Faults (5xx) are ServiceFailure (IAM) / InternalFailure (STS). */
export function awsQueryError(error: AwsError, requestId: string, service: 'iam' | 'sts'): WireResponse {
  const { code, status } = queryError(error, service);
  const xmlns = code === 'InvalidAction' ? AWS_FAULT_XMLNS : service === 'iam' ? IAM.xmlns : STS.xmlns;
  const fields = { Type: status >= 500 ? 'Receiver' : 'Sender', Code: code, Message: error.message };
  const body = document('ErrorResponse', xmlns, element('Error', fields) + element('RequestId', requestId));
  return { status, headers: { 'content-type': TEXT_XML }, body };
}
