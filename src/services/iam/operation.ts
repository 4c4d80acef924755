import type { RootKeyring } from '../../crypto/root-keyring.js';
import type { Store } from '../../store/ports.js';
import type { CallContext } from '../../domain/call-context.js';
import type { QueryInput } from './query-input.js';
import type { OperationDescriptor } from '../operation-descriptor.js';

/** What IAM and STS operations work with. */
export interface QueryServiceDeps {
  store: Store;
  keyring: RootKeyring;
}

/**
 * An operation's result, serialized by the awsQuery protocol as the `<…Result>` element:
 * objects are elements in key order, arrays `<member>` lists, dates ISO 8601; undefined is omitted.
 */
export type QueryValue = string | number | boolean | Date | undefined | QueryValue[] | { [element: string]: QueryValue };
export type QueryResult = { [element: string]: QueryValue };

/** One IAM or STS action. Undefined: the response has no `<…Result>` element (DeleteUser, …). */
export type QueryOperation = (input: QueryInput, ctx: CallContext, deps: QueryServiceDeps) => Promise<QueryResult | undefined>;

/** An IAM or STS action's descriptor: the same shape as every service's (services/operation-descriptor.ts). */
export interface QueryOperationDescriptor extends OperationDescriptor<QueryOperation> {
  readonly service: 'iam' | 'sts';
}

export function defineQueryOperation(d: QueryOperationDescriptor): QueryOperationDescriptor {
  return Object.freeze({ ...d });
}
