import { authorizeIam } from './authorize.js';
import { nonUserCredentials, requireUser, userResource, userXml } from './entities.js';
import { tagsXml } from './identity-tags.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { optionalUserNameRule } from './query-input.js';

/**
 * IAM API Reference, "GetUser": without UserName, the caller (an IAM user, or the account root:
 * UserId = account id, Arn = the root ARN); other callers must name a user.
 */
export const getUser: QueryOperation = async (input, ctx, deps) => {
  const named = input.given('UserName') ? input.string('UserName', optionalUserNameRule) : undefined;
  const p = ctx.principal;
  if (named === undefined && p.type === 'Root') {
    await authorizeIam(deps, ctx, 'GetUser', p.arn);
    const keys = await deps.store.credentials.listAccessKeys(ctx.account);
    const since = keys.filter((k) => k.principalType === 'Root').map((k) => k.createdAt.getTime());
    return { User: { UserId: ctx.account, Arn: p.arn, CreateDate: new Date(since.length ? Math.min(...since) : ctx.clock.now().getTime()) } };
  }
  if (named === undefined && p.type !== 'IAMUser') throw nonUserCredentials();
  const userName = named ?? p.userName!;
  await authorizeIam(deps, ctx, 'GetUser', (await userResource(deps, ctx, userName)).arn);
  const user = await requireUser(deps, ctx, userName);
  return { User: userXml(user, tagsXml(await deps.store.iam.getTags(ctx.account, 'user', user.userName))) };
};

export const GetUser = defineQueryOperation({ service: 'iam', name: 'GetUser', readOnly: true, handler: getUser });
