import type { CallContext } from '../../domain/call-context.js';
import type { QueryOperation, QueryResult, QueryServiceDeps } from './operation.js';
import type { QueryInput } from './query-input.js';

/** One IAM or STS action bound to the store and keyring it works with. */
export type BoundQueryOperation = (input: QueryInput, ctx: CallContext) => Promise<QueryResult | undefined>;

/**
 * IAM's or STS's actions by `Action` name, bound once by the composition root: the awsQuery
 * protocol decodes and encodes around them without seeing the store or the keyring.
 */
export type QueryApi = Readonly<Record<string, BoundQueryOperation>>;

export function bindQueryOperations(operations: Readonly<Record<string, QueryOperation>>, deps: QueryServiceDeps): QueryApi {
  return Object.freeze(Object.fromEntries(Object.entries(operations).map(([name, op]) => [name, (input: QueryInput, ctx: CallContext) => op(input, ctx, deps)])));
}
