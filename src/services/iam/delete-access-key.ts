import { accessKeyOwner, ownsKey } from './access-key-owner.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { accessKeyIdRule, noSuchAccessKey } from './update-access-key.js';

/** IAM API Reference, "DeleteAccessKey". */
export const deleteAccessKey: QueryOperation = async (input, ctx, deps) => {
  const accessKeyId = input.string('AccessKeyId', accessKeyIdRule);
  const owner = await accessKeyOwner(input, ctx, deps, 'DeleteAccessKey');
  const key = await deps.store.credentials.getAccessKey(accessKeyId);
  if (!key || key.account !== ctx.account || !ownsKey(owner, key)) throw noSuchAccessKey(accessKeyId);
  await deps.store.credentials.deleteAccessKey(accessKeyId);
  return undefined;
};

export const DeleteAccessKey = defineQueryOperation({ service: 'iam', name: 'DeleteAccessKey', readOnly: false, handler: deleteAccessKey });
