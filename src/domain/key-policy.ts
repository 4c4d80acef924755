import { LimitExceededException, MalformedPolicyDocumentException } from '../protocols/errors.js';
import { accountRootArn } from './arn.js';

/** The only key policy name KMS has (ListKeyPolicies always returns it). */
export const DEFAULT_POLICY_NAME = 'default';
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
 * Structural checks KMS applies to a key policy on CreateKey/PutKeyPolicy. Evaluation (and the
 * lockout safety check) belong to the policy engine; this only refuses documents KMS refuses.
 */
export function validateKeyPolicy(text: string): void {
  if (Buffer.byteLength(text, 'utf8') > KEY_POLICY_MAX_BYTES) {
    throw LimitExceededException(`The key policy exceeds the maximum size of ${KEY_POLICY_MAX_BYTES} bytes.`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw MalformedPolicyDocumentException('Syntax errors in policy.');
  }
  if (!isObject(doc)) throw MalformedPolicyDocumentException('Syntax errors in policy.');
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') {
    throw MalformedPolicyDocumentException('The policy document has an invalid Version.');
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement === undefined ? [] : [doc.Statement];
  if (statements.length === 0) throw MalformedPolicyDocumentException('The policy document must contain a Statement.');
  for (const s of statements) {
    if (!isObject(s)) throw MalformedPolicyDocumentException('Syntax errors in policy.');
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') {
      throw MalformedPolicyDocumentException('Policy contains a statement with an invalid Effect.');
    }
    const principal = s.Principal ?? s.NotPrincipal;
    if (principal === undefined || !validPrincipal(principal)) {
      throw MalformedPolicyDocumentException('Policy contains a statement with one or more invalid principals.');
    }
  }
}

function validPrincipal(p: unknown): boolean {
  if (p === '*') return true;
  if (!isObject(p) || Object.keys(p).length === 0) return false;
  return Object.entries(p).every(([type, value]) => {
    if (!['AWS', 'Service', 'Federated', 'CanonicalUser'].includes(type)) return false;
    const values = Array.isArray(value) ? value : [value];
    return values.length > 0 && values.every((v) => typeof v === 'string' && v.length > 0);
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
