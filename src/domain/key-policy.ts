import { parsePolicy } from '../policy/document.js';
import { LimitExceededException } from '../errors/aws-error.js';
import { accountRootArn } from './arn.js';

/** The only key policy name KMS has (ListKeyPolicies always returns it). */
export const DEFAULT_POLICY_NAME = 'default';
/** The lockout safety check's refusal (AWS KMS Developer Guide, "Default key policy"). */
export const LOCKOUT_MESSAGE = 'The new key policy will not allow you to update the key policy in the future.';

/** Key policy document size quota (AWS KMS Developer Guide, "Quotas": 32 KB). */
export const KEY_POLICY_MAX_BYTES = 32 * 1024;

/**
 * The default key policy, laid out the way AWS returns it (Jackson's pretty printer):
 * kms-facts.md "Default key policy". Clients should compare parsed JSON.
 */
export function defaultKeyPolicy(account: string): string {
  return [
    '{',
    '  "Version" : "2012-10-17",',
    '  "Id" : "key-default-1",',
    '  "Statement" : [ {',
    '    "Sid" : "Enable IAM User Permissions",',
    '    "Effect" : "Allow",',
    '    "Principal" : {',
    `      "AWS" : "${accountRootArn(account)}"`,
    '    },',
    '    "Action" : "kms:*",',
    '    "Resource" : "*"',
    '  } ]',
    '}',
  ].join('\n');
}

/**
 * The checks KMS applies to a key policy on CreateKey/PutKeyPolicy: the size quota, then the
 * policy language itself (every statement names a principal). Evaluation and the lockout
 * safety check belong to the policy engine and the authorization layer.
 */
export function validateKeyPolicy(text: string): void {
  if (Buffer.byteLength(text, 'utf8') > KEY_POLICY_MAX_BYTES) {
    throw LimitExceededException(`The key policy exceeds the maximum size of ${KEY_POLICY_MAX_BYTES} bytes.`);
  }
  parsePolicy(text, { principal: 'required' });
}
