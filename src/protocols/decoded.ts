import { AwsError } from '../errors/aws-error.js';

/**
 * What a protocol's decoder makes of a request, as far as it got: the operation it names, the
 * request as parsed (what the audit record shows), the validated input, or the error that stopped
 * it. A failed decode still tells the audit trail what was attempted.
 */
export interface Decoded {
  operation?: string;
  request?: unknown;
  input?: unknown;
  error?: AwsError;
}

/** A decoder stopped by `e`: an AwsError becomes `error` beside what was decoded before it; anything else is a fault and is thrown. */
export function decodeFailure(partial: Omit<Decoded, 'error'>, e: unknown): Decoded {
  if (!(e instanceof AwsError)) throw e;
  return { ...partial, error: e };
}
