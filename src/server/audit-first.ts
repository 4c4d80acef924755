import type { ApiCallTrace } from '../audit/api-call.js';
import { prepareRequestParameters } from '../audit/event-builder.js';
import { InvalidQueryParameter, SerializationException } from '../protocols/errors.js';

/**
 * Audit first, before the operation runs: the protocol layer calls this once the request is
 * decoded, and the record's request part is built while nothing has changed. A request that cannot
 * be recorded is refused unchanged, with its protocol's malformed-input error: awsQuery
 * InvalidQueryParameter ("The AWS query string is malformed or does not adhere to AWS standards.",
 * IAM/STS "Common Errors"), awsJson SerializationException.
 */
export function prepareRecord(trace: ApiCallTrace): void {
  try {
    trace.prepared = { requestParameters: prepareRequestParameters(trace) };
  } catch {
    throw trace.service === 'iam' || trace.service === 'sts'
      ? InvalidQueryParameter('The AWS query string is malformed or does not adhere to AWS standards.')
      : SerializationException();
  }
}
