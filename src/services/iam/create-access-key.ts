import { createAccessKey } from '../../auth/credentials.js';
import { LimitExceeded } from '../../errors/aws-error.js';
import { accessKeyOwner, keyOwnerName, ownsKey } from './access-key-owner.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';

/** IAM and AWS STS quotas: "Access keys assigned to an IAM user: 2" (the root user likewise). */
const KEYS_PER_USER = 2;

/** IAM API Reference, "CreateAccessKey": a new Active key; the only time its secret is shown. */
export const createAccessKeyOperation: QueryOperation = async (input, ctx, deps) => {
  const owner = await accessKeyOwner(input, ctx, deps, 'CreateAccessKey');
  const existing = (await deps.store.credentials.listAccessKeys(ctx.account)).filter((k) => ownsKey(owner, k));
  if (existing.length >= KEYS_PER_USER) throw LimitExceeded(`Cannot exceed quota for AccessKeysPerUser: ${KEYS_PER_USER}`);
  const now = ctx.clock.now();
  const principal = owner.kind === 'root'
    ? { account: ctx.account, type: 'Root' as const, arn: owner.arn, id: ctx.account }
    : { account: ctx.account, type: 'IAMUser' as const, arn: owner.arn, id: owner.userId };
  const pair = await createAccessKey(deps.store, deps.keyring, ctx.random, now, principal);
  return {
    AccessKey: {
      UserName: keyOwnerName(owner),
      AccessKeyId: pair.accessKeyId,
      Status: 'Active',
      SecretAccessKey: pair.secretAccessKey,
      CreateDate: now,
    },
  };
};

export const CreateAccessKey = defineQueryOperation({ service: 'iam', name: 'CreateAccessKey', readOnly: false, handler: createAccessKeyOperation });
