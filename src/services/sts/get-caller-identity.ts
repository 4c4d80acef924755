import { defineQueryOperation, type QueryOperation } from '../iam/operation.js';

/**
 * STS API Reference, "GetCallerIdentity": no permission is needed. UserId is the account id for
 * the root, AIDA… for users, AROA…:<session> for role sessions, <account>:<name> for federated users.
 */
export const getCallerIdentity: QueryOperation = async (_input, ctx) => {
  const p = ctx.principal;
  return { Arn: p.arn, UserId: p.userId ?? p.account, Account: p.account };
};

export const GetCallerIdentity = defineQueryOperation({ service: 'sts', name: 'GetCallerIdentity', readOnly: true, handler: getCallerIdentity });
