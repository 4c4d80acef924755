import type { CallContext } from '../../domain/call-context.js';

/** Locksmith's own API operations (`X-Amz-Target: LocksmithService.<Operation>`, SigV4 service `locksmith`). */
export const LOCKSMITH_OPERATIONS = ['Explain', 'VerifyAuditTrail', 'GetDevClock', 'AdvanceDevClock', 'SetDevClock'] as const;
export type LocksmithOperation = (typeof LOCKSMITH_OPERATIONS)[number];

/** Each operation's handler: the caller and the parsed JSON body in, the output out. */
export type LocksmithHandlers = Record<LocksmithOperation, (ctx: CallContext, input: unknown) => Promise<unknown>>;
