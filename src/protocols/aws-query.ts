import type { CallContext } from '../domain/call-context.js';
import type { QueryOperation, QueryResult } from '../services/iam/operation.js';
import type { QueryApi } from '../services/iam/query-api.js';
import { IAM_OPERATIONS } from '../services/iam/operations.js';
import { QueryInput, type QueryStyle } from '../services/iam/query-input.js';
import { STS_OPERATIONS } from '../services/sts/operations.js';
import type { WireResponse } from './aws-json.js';
import { decodeFailure, type Decoded } from './decoded.js';
import { AwsError, InvalidAction, InvalidQueryParameter, MissingAction } from '../errors/aws-error.js';
import { queryError } from '../errors/query-codes.js';
import { document, element, type XmlValue } from './xml.js';

/**
 * The awsQuery protocol of IAM and STS ("Query API requests"): form-encoded `Action`, `Version`
 * and members; XML responses `<XResponse xmlns=…><XResult>…</XResult><ResponseMetadata>…`; XML
 * errors `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
 */
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

/**
 * Serves one IAM call through `iam` (the actions bound by the composition root): decode, run,
 * encode; an AwsError is answered in IAM's XML. The server's pipeline runs the same steps.
 */
export function serveIam(iam: QueryApi, ctx: CallContext, body: Buffer): Promise<WireResponse> {
  return serve('iam', iam, ctx, body);
}

export function serveSts(sts: QueryApi, ctx: CallContext, body: Buffer): Promise<WireResponse> {
  return serve('sts', sts, ctx, body);
}

async function serve(name: QueryStyle, api: QueryApi, ctx: CallContext, body: Buffer): Promise<WireResponse> {
  const decoded = decodeQuery(name, body);
  try {
    if (decoded.error) throw decoded.error;
    const result = await api[decoded.operation!]!(decoded.input as QueryInput, ctx);
    return encodeQuery(name, decoded.operation!, result, ctx.requestId);
  } catch (e) {
    if (!(e instanceof AwsError)) throw e;
    return awsQueryError(e, ctx.requestId, name);
  }
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

/**
 * Decodes one IAM or STS call: the form's Action (for this service and Version) and its members,
 * within the bounds above. The record shows the form's members.
 */
export function decodeQuery(name: QueryStyle, body: Buffer): Decoded {
  const service = name === 'iam' ? IAM : STS;
  let operation: string | undefined;
  try {
    const params = parseQueryBody(body);
    const action = params.get('Action');
    if (!action) throw MissingAction('Missing Action');
    const version = params.get('Version') ?? service.version;
    if (!Object.hasOwn(service.operations, action) || version !== service.version) throw InvalidAction(`Could not find operation ${action} for version ${version}`);
    operation = action;
    checkQueryForm(params);
    return { operation, request: params, input: new QueryInput(params, service.name) };
  } catch (e) {
    return decodeFailure({ operation }, e);
  }
}

/** An action's result as `<ActionResponse><ActionResult>…</ActionResult><ResponseMetadata>…`. */
export function encodeQuery(name: QueryStyle, action: string, result: QueryResult | undefined, requestId: string): WireResponse {
  const service = name === 'iam' ? IAM : STS;
  const children = (result ? element(`${action}Result`, result as XmlValue) : '') + element('ResponseMetadata', { RequestId: requestId });
  return { status: 200, headers: { 'content-type': TEXT_XML }, body: document(`${action}Response`, service.xmlns, children) };
}

/** An AwsError as IAM or STS sends it. Faults (5xx) are ServiceFailure (IAM) / InternalFailure (STS). */
export function awsQueryError(error: AwsError, requestId: string, service: 'iam' | 'sts'): WireResponse {
  const { code, status } = queryError(error, service);
  const xmlns = code === 'InvalidAction' ? AWS_FAULT_XMLNS : service === 'iam' ? IAM.xmlns : STS.xmlns;
  const fields = { Type: status >= 500 ? 'Receiver' : 'Sender', Code: code, Message: error.message };
  const body = document('ErrorResponse', xmlns, element('Error', fields) + element('RequestId', requestId));
  return { status, headers: { 'content-type': TEXT_XML }, body };
}
