import { NoSuchEntity } from '../../errors/aws-error.js';
import { requirePolicy } from './attached-policies.js';
import { authorizeIam } from './authorize.js';
import { urlEncoded } from './entities.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';
import { arnRule, type RequiredRule } from './query-input.js';

const VERSION_ID: RequiredRule = { required: true, pattern: /^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/, patternText: 'v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?' };

/** IAM API Reference, "GetPolicyVersion": the document URL-encoded (RFC 3986). */
export const getPolicyVersion: QueryOperation = async (input, ctx, deps) => {
  const arn = input.string('PolicyArn', arnRule);
  const versionId = input.string('VersionId', VERSION_ID);
  await authorizeIam(deps, ctx, 'GetPolicyVersion', arn);
  await requirePolicy(deps, ctx, arn);
  const version = await deps.store.iam.getPolicyVersion(arn, versionId);
  if (!version) throw NoSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
  return {
    PolicyVersion: {
      Document: urlEncoded(version.document),
      VersionId: version.versionId,
      IsDefaultVersion: version.isDefaultVersion,
      CreateDate: version.createDate,
    },
  };
};

export const GetPolicyVersion = defineQueryOperation({ service: 'iam', name: 'GetPolicyVersion', readOnly: true, handler: getPolicyVersion });
