/**
 * The smallest change that lets an S3 call through S3's own authorization (S3 User Guide, "How
 * Amazon S3 authorizes a request"): remove the explicit Deny; cross-account, an Allow in the bucket
 * policy for the caller; otherwise an identity policy allowing the action on the object.
 */
import type { PolicyExplanation, StatementExplanation } from '../../policy/explain.js';
import type { RequestContext } from '../../policy/types.js';
import type { Principal } from '../../domain/call-context.js';
import type { S3Bucket } from '../../store/s3-ports.js';
import type { NamedPolicyDocument } from '../../store/iam-ports.js';
import { fixPolicyName, rawStatement, type Fix } from './fix.js';

export interface S3Facts {
  sameAccount: boolean;
  hasBucketPolicy: boolean;
  bucketAllowsCaller: boolean;
  bucketAllowsAccount: boolean;
  identityAllows: boolean;
  denies: { policy: PolicyExplanation; statement: StatementExplanation }[];
}

export function s3Fix(req: RequestContext, bucket: S3Bucket, policies: PolicyExplanation[], f: S3Facts, identity: NamedPolicyDocument[]): Fix {
  const p = req.principal as Principal;
  const deny = f.denies[0];
  if (deny) {
    const text = deny.policy.kind === 'bucketPolicy' ? bucket.policy : identity.find((i) => i.name === deny.policy.name)?.document;
    return {
      kind: 'RemoveDeny', statement: rawStatement(text, deny.statement.index),
      summary: `remove this Deny (${deny.policy.kind} ${deny.policy.name}, statement ${deny.statement.sid ?? `#${deny.statement.index + 1}`}): an explicit Deny wins over every Allow`,
    };
  }
  const caller = p.roleArn ?? p.arn;
  const sid = `Allow${req.action.slice(3)}`;
  if (!f.sameAccount && !f.bucketAllowsCaller && !f.bucketAllowsAccount) {
    const doc = bucket.policy ? (JSON.parse(bucket.policy) as { Statement: object[] | object }) : { Version: '2012-10-17', Statement: [] };
    const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    const statement = { Sid: sid, Effect: 'Allow', Principal: { AWS: caller }, Action: req.action, Resource: req.resource };
    return {
      kind: 'PutBucketPolicy', target: bucket.name, statement, policy: { ...doc, Statement: [...list, statement] },
      summary: `the bucket policy of ${bucket.name} (account ${bucket.account}) does not allow ${caller}: add a statement allowing ${req.action} (cross-account: the caller's own IAM policy must allow it too)`,
    };
  }
  const statement = { Sid: sid, Effect: 'Allow', Action: req.action, Resource: req.resource };
  const policy = { Version: '2012-10-17', Statement: [statement] };
  const name = fixPolicyName(req.action);
  if (p.type === 'AssumedRole' && p.roleName) {
    return { kind: 'PutRolePolicy', target: p.roleName, policyName: name, statement, policy, summary: `no IAM policy of role ${p.roleName} allows ${req.action} on ${req.resource}: add this inline policy` };
  }
  if (p.type === 'IAMUser' && p.userName) {
    return { kind: 'PutUserPolicy', target: p.userName, policyName: name, statement, policy, summary: `no IAM policy of user ${p.userName} allows ${req.action} on ${req.resource}: add this inline policy` };
  }
  const sessions = policies.filter((x) => x.kind === 'sessionPolicy').length;
  return { kind: 'None', summary: sessions > 0 ? `the session policy does not allow ${req.action}: start a session whose session policy allows it` : `no policy allows ${req.action}` };
}
