import { AccessDenied } from '../../errors/aws-error.js';
import { authorizeIdentity } from '../iam/authorize.js';
import { defineQueryOperation, type QueryOperation } from '../iam/operation.js';
import type { RequiredRule } from '../iam/query-input.js';
import { issueSession } from './issue-session.js';
import { readSessionPolicies } from './session-policies.js';
import { hasSessionTags, readSessionTags, sessionTagConditionKeys } from './session-tags.js';

const FEDERATED_NAME: RequiredRule = { required: true, min: 2, max: 32, pattern: /^[\w+=,.@-]*$/, patternText: '[\\w+=,.@-]*' };

/**
 * STS API Reference, "GetFederationToken": long-term credentials of an IAM user (or the root);
 * needs sts:GetFederationToken on the federated user's ARN. The session's permissions are the
 * intersection of the user's identity policies and the session policies passed here — none when
 * none are passed (IAM User Guide, "Permissions for GetFederationToken"). 900–129600 s, default
 * 43200; root sessions are capped at 3600 s. Session tags need sts:TagSession on the federated
 * user too, and override the user's own tags in the session's principal tags.
 */
export const getFederationToken: QueryOperation = async (input, ctx, deps) => {
  const name = input.string('Name', FEDERATED_NAME);
  const duration = input.int('DurationSeconds', { min: 900, max: 129600 });
  const sessionTags = readSessionTags(input, false);
  const p = ctx.principal;
  if (p.session) throw AccessDenied('Cannot call GetFederationToken with session credentials');
  const arn = `arn:aws:sts::${p.account}:federated-user/${name}`;
  const tagKeys = sessionTagConditionKeys(sessionTags);
  await authorizeIdentity(deps, ctx, 'sts:GetFederationToken', arn, tagKeys);
  if (hasSessionTags(sessionTags)) await authorizeIdentity(deps, ctx, 'sts:TagSession', arn, tagKeys);
  const sessionPolicies = await readSessionPolicies(input, deps, p.account, 2048);
  const root = p.type === 'Root';
  const seconds = root ? Math.min(duration ?? 3600, 3600) : (duration ?? 43200);
  const federatedUserId = `${p.account}:${name}`;
  const credentials = await issueSession(deps, ctx, {
    account: p.account,
    principalType: 'FederatedUser',
    principalArn: arn,
    principalId: federatedUserId,
    issuerArn: p.arn,
    issuerName: root ? p.account : p.userName!,
    ...(root ? {} : { issuerId: p.userId }),
    sessionName: name,
    sessionPolicies,
    ...sessionTags,
  }, seconds);
  return { Credentials: credentials, FederatedUser: { Arn: arn, FederatedUserId: federatedUserId } };
};

export const GetFederationToken = defineQueryOperation({ service: 'sts', name: 'GetFederationToken', readOnly: true, handler: getFederationToken });
