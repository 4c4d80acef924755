import type { AccessKeyRecord } from '../../store/ports.js';
import type { CallContext } from '../../domain/call-context.js';
import { authorizeIam } from './authorize.js';
import { nonUserCredentials, requireUser, userResource } from './entities.js';
import type { QueryServiceDeps } from './operation.js';
import type { QueryInput } from './query-input.js';
import { optionalUserNameRule } from './query-input.js';

export type KeyOwner =
  | { kind: 'user'; userName: string; userId: string; arn: string }
  | { kind: 'root'; arn: string };

/**
 * Whose access keys an access-key action works on (IAM API Reference, "CreateAccessKey": "If you
 * do not specify a user name, IAM determines the user name implicitly based on the Amazon Web
 * Services access key ID signing the request" — the root's own keys for the root user).
 * Authorizes `iam:<action>` on that user before revealing whether it exists.
 */
export async function accessKeyOwner(input: QueryInput, ctx: CallContext, deps: QueryServiceDeps, action: string): Promise<KeyOwner> {
  const named = input.given('UserName') ? input.string('UserName', optionalUserNameRule) : undefined;
  const p = ctx.principal;
  if (named === undefined) {
    if (p.type === 'Root') {
      await authorizeIam(deps, ctx, action, p.arn);
      return { kind: 'root', arn: p.arn };
    }
    if (p.type !== 'IAMUser') throw nonUserCredentials();
  }
  const userName = named ?? p.userName!;
  await authorizeIam(deps, ctx, action, (await userResource(deps, ctx, userName)).arn);
  const user = await requireUser(deps, ctx, userName);
  return { kind: 'user', userName: user.userName, userId: user.userId, arn: user.arn };
}

export const ownsKey = (owner: KeyOwner, k: AccessKeyRecord): boolean =>
  owner.kind === 'root' ? k.principalType === 'Root' : k.principalType === 'IAMUser' && k.principalId === owner.userId;

export const keyOwnerName = (owner: KeyOwner): string | undefined => (owner.kind === 'user' ? owner.userName : undefined);
