import type { KmsKey } from '../../domain/key.js';
import { LimitExceededException } from '../../errors/aws-error.js';
import { AliasQuotaError } from '../../store/ports.js';

/** AWS KMS Developer Guide, "Resource quotas": aliases per KMS key, 50 (customer created aliases). */
export const MAX_ALIASES_PER_KEY = 50;

/** Runs an alias write that may add an alias to `key`, answering LimitExceededException at the quota. */
export async function withAliasQuota<T>(key: KmsKey, write: (maxPerKey: number) => Promise<T>): Promise<T> {
  try {
    return await write(MAX_ALIASES_PER_KEY);
  } catch (e) {
    if (!(e instanceof AliasQuotaError)) throw e;
    // Unverified: AWS documents the quota and the exception name, not the message text.
    throw LimitExceededException(`The number of aliases for ${key.arn} has reached the quota of ${MAX_ALIASES_PER_KEY} aliases per KMS key.`);
  }
}
