import { NoSuchEntity, ValidationError } from '../../errors/aws-error.js';
import { accessKeyOwner, ownsKey } from './access-key-owner.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';

const ACCESS_KEY_ID = { required: true, min: 16, max: 128, pattern: /^\w+$/, patternText: '[\\w]+' } as const;
export const accessKeyIdRule = ACCESS_KEY_ID;
export const noSuchAccessKey = (id: string) => NoSuchEntity(`The Access Key with id ${id} cannot be found.`);

/** IAM API Reference, "UpdateAccessKey": Active ↔ Inactive; an inactive key cannot sign requests. */
export const updateAccessKey: QueryOperation = async (input, ctx, deps) => {
  const accessKeyId = input.string('AccessKeyId', ACCESS_KEY_ID);
  const status = input.enumeration('Status', ['Active', 'Inactive', 'Expired'] as const);
  if (status === undefined) throw ValidationError("1 validation error detected: Value at 'status' failed to satisfy constraint: Member must not be null");
  if (status === 'Expired') throw ValidationError('Status must be Active or Inactive.');
  const owner = await accessKeyOwner(input, ctx, deps, 'UpdateAccessKey');
  const key = await deps.store.credentials.getAccessKey(accessKeyId);
  if (!key || key.account !== ctx.account || !ownsKey(owner, key)) throw noSuchAccessKey(accessKeyId);
  await deps.store.credentials.setAccessKeyStatus(accessKeyId, status);
  return undefined;
};

export const UpdateAccessKey = defineQueryOperation({ service: 'iam', name: 'UpdateAccessKey', readOnly: false, handler: updateAccessKey });
