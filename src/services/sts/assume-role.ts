import { accessDeniedMessage, evaluateKmsAccess } from '../../policy/index.js';
import type { RequestContext } from '../../policy/types.js';
import { AccessDenied, ValidationError } from '../../errors/aws-error.js';
import { callerIdentityPolicies, requestConditionKeys } from '../iam/authorize.js';
import { parseRoleArn } from '../iam/entities.js';
import { defineQueryOperation, type QueryOperation } from '../iam/operation.js';
import { engineTrustPolicy } from '../iam/policy-documents.js';
import type { RequiredRule, StringRule } from '../iam/query-input.js';
import { issueSession } from './issue-session.js';
import { readSessionPolicies } from './session-policies.js';
import { hasSessionTags, readSessionTags, sessionTagConditionKeys, withInheritedTags } from './session-tags.js';

const ARN_TEXT = /^[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]+$/u;
export const stsArnRule: RequiredRule = {
  required: true, min: 20, max: 2048, pattern: ARN_TEXT,
  patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+',
};
const SESSION_NAME: RequiredRule = { required: true, min: 2, max: 64, pattern: /^[\w+=,.@-]*$/, patternText: '[\\w+=,.@-]*' };
const EXTERNAL_ID: StringRule = { min: 2, max: 1224, pattern: /^[\w+=,.@:/-]*$/, patternText: '[\\w+=,.@:\\/-]*' };
const SOURCE_IDENTITY: StringRule = { min: 2, max: 64, pattern: /^[\w+=,.@-]*$/, patternText: '[\\w+=,.@-]*' };

/**
 * STS API Reference, "AssumeRole". The caller needs the role's trust policy to allow it, and — when
 * the trust policy names only the caller's account, or the role is in another account — an
 * identity-policy Allow for sts:AssumeRole (IAM User Guide, "Granting a user permissions to switch
 * roles"; the same logic as resource-based policies, "Policy evaluation logic"). The account root
 * cannot assume roles. A missing role is reported like a denial, never revealed. A session with
 * tags (passed, or inherited transitive tags) also needs sts:TagSession the same way (IAM User
 * Guide, "Permissions required to add session tags").
 */
export const assumeRole: QueryOperation = async (input, ctx, deps) => {
  const roleArn = input.string('RoleArn', stsArnRule);
  const sessionName = input.string('RoleSessionName', SESSION_NAME);
  const duration = input.int('DurationSeconds', { min: 900, max: 43200 });
  const externalId = input.string('ExternalId', EXTERNAL_ID);
  const sourceIdentity = input.string('SourceIdentity', SOURCE_IDENTITY);
  const requestedTags = readSessionTags(input, true);
  const p = ctx.principal;
  if (p.type === 'Root') throw AccessDenied('Roles may not be assumed by root accounts.');
  if (!roleArn.startsWith('arn:') || roleArn.split(':').length < 6) throw ValidationError(`${roleArn} is invalid`);
  const sessionTags = await withInheritedTags(deps, p, requestedTags);
  const ref = parseRoleArn(roleArn);
  const role = ref && (await deps.store.iam.getRole(ref.account, ref.name));
  const denied = (action: string) => AccessDenied(`User: ${p.arn} is not authorized to perform: ${action} on resource: ${roleArn}`);
  if (!role || role.arn !== roleArn || p.type === 'FederatedUser') throw denied('sts:AssumeRole');
  const conditionKeys = requestConditionKeys(ctx, {
    'sts:ExternalId': externalId, 'sts:RoleSessionName': sessionName, 'sts:SourceIdentity': sourceIdentity, ...sessionTagConditionKeys(sessionTags),
  });
  const policies = {
    keyPolicy: engineTrustPolicy(role.assumeRolePolicyDocument),
    identityPolicies: await callerIdentityPolicies(deps.store, p),
    sessionPolicies: p.session?.sessionPolicies,
  };
  const authorize = (action: string) => {
    const request: RequestContext = { principal: p, action, resource: roleArn, resourceAccount: role.account, conditionKeys };
    const decision = evaluateKmsAccess(request, policies);
    if (decision.allowed) return;
    // An explicit Deny in the caller's own policies is reported as such; trust-policy outcomes are not revealed.
    if (decision.reason === 'explicitDenyIdentity' || decision.reason === 'explicitDenySession') throw AccessDenied(accessDeniedMessage(request, decision));
    throw denied(action);
  };
  authorize('sts:AssumeRole');
  if (hasSessionTags(sessionTags)) authorize('sts:TagSession');
  const sessionPolicies = await readSessionPolicies(input, deps, role.account);
  const seconds = duration ?? 3600;
  if (seconds > role.maxSessionDuration) throw ValidationError('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
  if (p.type === 'AssumedRole' && seconds > 3600) {
    throw ValidationError('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
  }
  const arn = `arn:aws:sts::${role.account}:assumed-role/${role.roleName}/${sessionName}`;
  const assumedRoleId = `${role.roleId}:${sessionName}`;
  const credentials = await issueSession(deps, ctx, {
    account: role.account,
    principalType: 'AssumedRole',
    principalArn: arn,
    principalId: assumedRoleId,
    issuerArn: role.arn,
    issuerName: role.roleName,
    issuerId: role.roleId,
    sessionName,
    sessionPolicies,
    ...sessionTags,
  }, seconds);
  return { AssumedRoleUser: { Arn: arn, AssumedRoleId: assumedRoleId }, Credentials: credentials, SourceIdentity: sourceIdentity };
};

export const AssumeRole = defineQueryOperation({ service: 'sts', name: 'AssumeRole', readOnly: true, handler: assumeRole });
