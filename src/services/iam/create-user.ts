import { EntityAlreadyExists, InvalidInput } from '../../protocols/errors.js';
import { authorizeIam } from './authorize.js';
import { uniqueId, userArn, userXml } from './entities.js';
import type { QueryOperation } from './operation.js';
import { pathRule, readTags, userNameRule } from './query-input.js';

/** IAM API Reference, "CreateUser". Tags are validated but not kept. */
export const createUser: QueryOperation = async (input, ctx, deps) => {
  const path = input.string('Path', pathRule) ?? '/';
  const userName = input.string('UserName', userNameRule);
  if (input.has('PermissionsBoundary')) throw InvalidInput('Locksmith does not support permissions boundaries.');
  readTags(input);
  const arn = userArn(ctx.account, path, userName);
  await authorizeIam(deps, ctx, 'CreateUser', arn);
  const user = { account: ctx.account, userName, userId: uniqueId(ctx.random, 'AIDA'), arn, path, createDate: ctx.clock.now() };
  if (!(await deps.store.iam.createUser(user))) throw EntityAlreadyExists(`User with name ${userName} already exists.`);
  return { User: userXml(user) };
};
