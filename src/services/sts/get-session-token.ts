import { AccessDenied } from '../../errors/aws-error.js';
import { defineQueryOperation, type QueryOperation } from '../iam/operation.js';
import { issueSession } from './issue-session.js';
import { NO_SESSION_TAGS } from './session-tags.js';

/**
 * STS API Reference, "GetSessionToken": long-term credentials only; no permission needed
 * ("Permissions for GetSessionToken"). 900–129600 s, default 43200; sessions of the root user are
 * capped at 3600 s ("If the duration is longer than one hour, the session for AWS account owners
 * defaults to one hour"). The session keeps the caller's identity and permissions.
 */
export const getSessionToken: QueryOperation = async (input, ctx, deps) => {
  const duration = input.int('DurationSeconds', { min: 900, max: 129600 });
  const p = ctx.principal;
  if (p.session) throw AccessDenied('Cannot call GetSessionToken with session credentials');
  const root = p.type === 'Root';
  const seconds = root ? Math.min(duration ?? 3600, 3600) : (duration ?? 43200);
  const credentials = await issueSession(deps, ctx, {
    account: p.account,
    principalType: root ? 'Root' : 'IAMUser',
    principalArn: p.arn,
    principalId: p.userId ?? p.account,
    issuerArn: p.arn,
    issuerName: root ? p.account : p.userName!,
    ...(root ? {} : { issuerId: p.userId }),
    sessionPolicies: [],
    ...NO_SESSION_TAGS,
  }, seconds);
  return { Credentials: credentials };
};

export const GetSessionToken = defineQueryOperation({ service: 'sts', name: 'GetSessionToken', readOnly: true, handler: getSessionToken });
