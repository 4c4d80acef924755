import type { QueryOperation } from '../iam/operation.js';
import { assumeRole } from './assume-role.js';
import { getCallerIdentity } from './get-caller-identity.js';
import { getFederationToken } from './get-federation-token.js';
import { getSessionToken } from './get-session-token.js';

/** STS actions Locksmith implements, by awsQuery `Action` name (STS API Reference, "Actions"). */
export const STS_OPERATIONS: Readonly<Record<string, QueryOperation>> = {
  AssumeRole: assumeRole,
  GetCallerIdentity: getCallerIdentity,
  GetSessionToken: getSessionToken,
  GetFederationToken: getFederationToken,
};
