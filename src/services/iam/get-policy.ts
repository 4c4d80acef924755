import { requirePolicy } from './attached-policies.js';
import { authorizeIam } from './authorize.js';
import { policyXml } from './entities.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { arnRule } from './query-input.js';

/** IAM API Reference, "GetPolicy": metadata with the attachment count (the document is GetPolicyVersion's). */
export const getPolicy: QueryOperation = async (input, ctx, deps) => {
  const arn = input.string('PolicyArn', arnRule);
  await authorizeIam(deps, ctx, 'GetPolicy', arn);
  const policy = await requirePolicy(deps, ctx, arn);
  return { Policy: policyXml(policy, await deps.store.iam.attachmentCount(arn), true) };
};

export const GetPolicy = defineQueryOperation({ service: 'iam', name: 'GetPolicy', readOnly: true, handler: getPolicy });
