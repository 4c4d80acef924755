/** The services whose operations Locksmith serves through descriptors. */
export type DescribedService = 'kms' | 'iam' | 'sts' | 'cloudtrail';

/**
 * What every operation descriptor holds, whatever its service: the AWS name, CloudTrail's readOnly
 * for its events, and the handler. KMS descriptors add the facts of their key (services/kms/operation.ts).
 */
export interface OperationDescriptor<Handler> {
  readonly service: DescribedService;
  readonly name: string;
  readonly readOnly: boolean;
  readonly handler: Handler;
}
