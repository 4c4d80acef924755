import { EntityAlreadyExists, InvalidInput } from '../../errors/aws-error.js';
import { uniqueId, userArn, userXml } from './entities.js';
import { authorizeCreateWithTags, readTagRecord, tagsXml } from './identity-tags.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { pathRule, userNameRule } from './query-input.js';

/** IAM API Reference, "CreateUser": with Tags, the caller also needs iam:TagUser. */
export const createUser: QueryOperation = async (input, ctx, deps) => {
  const path = input.string('Path', pathRule) ?? '/';
  const userName = input.string('UserName', userNameRule);
  if (input.has('PermissionsBoundary')) throw InvalidInput('Locksmith does not support permissions boundaries.');
  const tags = readTagRecord(input);
  const arn = userArn(ctx.account, path, userName);
  await authorizeCreateWithTags(deps, ctx, 'User', arn, tags);
  const user = { account: ctx.account, userName, userId: uniqueId(ctx.random, 'AIDA'), arn, path, createDate: ctx.clock.now() };
  if (!(await deps.store.iam.createUser(user, tags))) throw EntityAlreadyExists(`User with name ${userName} already exists.`);
  return { User: userXml(user, tagsXml(tags)) };
};

export const CreateUser = defineQueryOperation({ service: 'iam', name: 'CreateUser', readOnly: false, handler: createUser });
