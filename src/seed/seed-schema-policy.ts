import { validateKeyPolicy } from '../domain/key-policy.js';
import { parsePolicy } from '../policy/index.js';
import { AwsError } from '../errors/aws-error.js';
import { parseTrustPolicy, policySize } from '../services/iam/policy-documents.js';
import { isMapping, type Issues } from './seed-reader.js';

/** Same form as a SigV4 credential-scope region (src/auth/sigv4-parse.ts). */
export const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
/** IAM and AWS STS quotas: "Role trust policy length: 2,048 characters" (white space not counted). */
const TRUST_POLICY_QUOTA = 2048;


/**
 * A policy document given as a mapping (stored as 2-space-indented JSON) or as JSON text (stored
 * verbatim), checked by the policy engine: identity policies must not name a principal, trust
 * and key policies must (trust policies without Resource). Key policies also get KMS's size quota.
 */
export function policyDocument(issues: Issues, v: unknown, path: string, kind: 'identity' | 'trust' | 'key'): string | undefined {
  if (v === undefined || v === null) return issues.add(path, 'is required');
  let text: string;
  if (typeof v === 'string') text = v;
  else if (isMapping(v)) text = JSON.stringify(v, null, 2);
  else return issues.add(path, 'must be a policy document (a mapping, or a string of JSON)');
  try {
    if (kind === 'key') validateKeyPolicy(text);
    // Trust policies name no Resource (IAM: "Has prohibited field Resource") and only sts: actions.
    else if (kind === 'trust') {
      parseTrustPolicy(text);
      if (policySize(text) > TRUST_POLICY_QUOTA) return issues.add(path, `invalid trust policy: Cannot exceed quota for ACLSizePerRole: ${TRUST_POLICY_QUOTA}`);
    }
    else parsePolicy(text, { principal: 'forbidden' });
  } catch (e) {
    if (e instanceof AwsError) return issues.add(path, `invalid ${kind} policy: ${e.message || e.code}`);
    throw e;
  }
  return text;
}
