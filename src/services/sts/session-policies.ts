import { ValidationError } from '../../errors/aws-error.js';
import { parseIdentityPolicy } from '../iam/policy-documents.js';
import type { QueryServiceDeps } from '../iam/operation.js';
import type { QueryInput, StringRule } from '../iam/query-input.js';

const POLICY_TEXT = /^[\u0009\u000A\u000D\u0020-\u00FF]+$/;

/**
 * Session policies (IAM User Guide, "Session policies"): an inline `Policy` and up to 10 managed
 * `PolicyArns` of `account`; they bound the session's identity permissions. Returns the documents.
 */
export async function readSessionPolicies(input: QueryInput, deps: QueryServiceDeps, account: string, maxLength?: number): Promise<string[]> {
  const rule: StringRule = { min: 1, pattern: POLICY_TEXT, patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' };
  if (maxLength !== undefined) rule.max = maxLength;
  const policy = input.string('Policy', rule);
  const arns = input.structures('PolicyArns', ['arn'], []).map((s) => s.arn).filter((a): a is string => a !== undefined);
  if (arns.length > 10) {
    throw ValidationError("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10");
  }
  const documents: string[] = [];
  if (policy !== undefined) {
    parseIdentityPolicy(policy);
    documents.push(policy);
  }
  for (const arn of arns) {
    const managed = await deps.store.iam.getPolicy(arn);
    const version = managed && managed.account === account ? await deps.store.iam.getPolicyVersion(arn, managed.defaultVersionId) : undefined;
    if (!version) throw ValidationError(`Policy ${arn} does not exist or is not attachable.`);
    documents.push(version.document);
  }
  return documents;
}
