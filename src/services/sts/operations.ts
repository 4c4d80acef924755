import type { QueryOperation, QueryOperationDescriptor } from '../iam/operation.js';
import { AssumeRole } from './assume-role.js';
import { GetCallerIdentity } from './get-caller-identity.js';
import { GetFederationToken } from './get-federation-token.js';
import { GetSessionToken } from './get-session-token.js';

/** STS actions Locksmith implements: one descriptor each, beside its handler. */
export const STS_OPERATION_DESCRIPTORS: readonly QueryOperationDescriptor[] = [
  AssumeRole,
  GetCallerIdentity,
  GetSessionToken,
  GetFederationToken,
];

/** STS actions Locksmith implements, by awsQuery `Action` name (STS API Reference, "Actions"). */
export const STS_OPERATIONS: Readonly<Record<string, QueryOperation>> = Object.fromEntries(STS_OPERATION_DESCRIPTORS.map((d) => [d.name, d.handler]));
