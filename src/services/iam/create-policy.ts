import { EntityAlreadyExists, LimitExceeded } from '../../errors/aws-error.js';
import { authorizeIam } from './authorize.js';
import { policyArn, policyXml, uniqueId } from './entities.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { parseIdentityPolicy, policySize } from './policy-documents.js';
import { documentRule, policyNameRule, policyPathRule, readTags } from './query-input.js';

/** IAM and AWS STS quotas: "Managed policy size: 6,144 characters". */
const MANAGED_POLICY_QUOTA = 6144;

/** IAM API Reference, "CreatePolicy": a customer managed policy with version v1 as default. Tags are validated but not kept. */
export const createPolicy: QueryOperation = async (input, ctx, deps) => {
  const policyName = input.string('PolicyName', policyNameRule);
  const path = input.string('Path', policyPathRule) ?? '/';
  const document = input.string('PolicyDocument', documentRule);
  const description = input.string('Description', { max: 1000 }) ?? '';
  readTags(input);
  const arn = policyArn(ctx.account, path, policyName);
  await authorizeIam(deps, ctx, 'CreatePolicy', arn);
  const duplicate = () => EntityAlreadyExists(`A policy called ${policyName} already exists. Duplicate names are not allowed.`);
  if ((await deps.store.iam.listPolicies(ctx.account)).some((p) => p.policyName.toLowerCase() === policyName.toLowerCase())) throw duplicate();
  parseIdentityPolicy(document);
  if (policySize(document) > MANAGED_POLICY_QUOTA) throw LimitExceeded(`Cannot exceed quota for PolicySize: ${MANAGED_POLICY_QUOTA}`);
  const now = ctx.clock.now();
  const policy = {
    account: ctx.account, policyName, policyId: uniqueId(ctx.random, 'ANPA'), arn, path, description,
    defaultVersionId: 'v1', createDate: now, updateDate: now,
  };
  if (!(await deps.store.iam.createPolicy(policy, document))) throw duplicate();
  return { Policy: policyXml(policy, 0) };
};

export const CreatePolicy = defineQueryOperation({ service: 'iam', name: 'CreatePolicy', readOnly: false, handler: createPolicy });
