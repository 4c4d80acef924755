import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { defineOperation, type KmsHandler } from './operation.js';

/** The cryptographic operations GetKeyLastUsage tracks (the model's KeyLastUsageTrackingOperation). */
const TRACKED = [
  'Decapsulate', 'Decrypt', 'DeriveSharedSecret', 'Encapsulate', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext', 'GenerateMac', 'ReEncrypt', 'Sign', 'Verify', 'VerifyMac',
] as const;

/**
 * Read from the audit trail: the newest successful tracked call on the key in its own account's
 * chain (calls from other accounts are recorded there too). Tracking starts when the key was
 * created, or when the trail begins if the key is older than it.
 */
export const getKeyLastUsage: KmsHandler<'GetKeyLastUsage'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: GetKeyLastUsage, input });
  const audit = kms.store.audit;
  const last = await audit.lastKeyUsage(key.account, key.region, key.arn, TRACKED);
  const trailStart = (await audit.chainRange(key.account, key.region, 1, 1)).oldest;
  const trackingStart = trailStart && trailStart > key.creationDate ? trailStart : key.creationDate;
  let requestId: string | undefined;
  if (last) {
    const record = JSON.parse(last.record) as { requestID?: unknown };
    if (typeof record.requestID === 'string') requestId = record.requestID;
  }
  return {
    KeyId: key.arn,
    KeyLastUsage: last && { Operation: last.eventName, Timestamp: last.eventTime, CloudTrailEventId: last.eventId, KmsRequestId: requestId },
    TrackingStartDate: trackingStart,
    KeyCreationDate: key.creationDate,
  };
};

export const GetKeyLastUsage = defineOperation({
  facts: KMS_OPERATION_FACTS.GetKeyLastUsage,
  aliases: false,
  readOnly: true,
  handler: getKeyLastUsage,
});
