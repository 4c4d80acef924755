import { EntityAlreadyExists, InvalidInput } from '../../errors/aws-error.js';
import { roleArn, roleXml, uniqueId } from './entities.js';
import { authorizeCreateWithTags, readTagRecord, tagsXml } from './identity-tags.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { validateTrustPolicy } from './policy-documents.js';
import { documentRule, pathRule, roleNameRule, type StringRule } from './query-input.js';

export const descriptionRule: StringRule = {
  max: 1000, pattern: /^[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*$/, patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*',
};

/** IAM API Reference, "CreateRole": MaxSessionDuration 3600–43200 (default 3600); with Tags, the caller also needs iam:TagRole. */
export const createRole: QueryOperation = async (input, ctx, deps) => {
  const path = input.string('Path', pathRule) ?? '/';
  const roleName = input.string('RoleName', roleNameRule);
  const trust = input.string('AssumeRolePolicyDocument', documentRule, 'assumeRolePolicyDocument');
  const description = input.string('Description', descriptionRule) ?? '';
  const maxSessionDuration = input.int('MaxSessionDuration', { min: 3600, max: 43200 }) ?? 3600;
  if (input.has('PermissionsBoundary')) throw InvalidInput('Locksmith does not support permissions boundaries.');
  const tags = readTagRecord(input);
  const arn = roleArn(ctx.account, path, roleName);
  await authorizeCreateWithTags(deps, ctx, 'Role', arn, tags);
  if (await deps.store.iam.getRole(ctx.account, roleName)) throw EntityAlreadyExists(`Role with name ${roleName} already exists.`);
  const bound = await validateTrustPolicy(deps.store, trust);
  const role = {
    account: ctx.account, roleName, roleId: uniqueId(ctx.random, 'AROA'), arn, path,
    assumeRolePolicyDocument: bound, description, maxSessionDuration, createDate: ctx.clock.now(),
  };
  if (!(await deps.store.iam.createRole(role, tags))) throw EntityAlreadyExists(`Role with name ${roleName} already exists.`);
  return { Role: roleXml({ ...role, assumeRolePolicyDocument: trust }, { tags: tagsXml(tags) }) };
};

export const CreateRole = defineQueryOperation({ service: 'iam', name: 'CreateRole', readOnly: false, handler: createRole });
