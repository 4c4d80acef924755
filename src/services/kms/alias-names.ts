import { AwsError, ValidationException } from '../../errors/aws-error.js';

/** Alias name rules (kms-facts.md "Identifiers"; AWS KMS Developer Guide, "Aliases"). */
export function assertCustomerAliasName(aliasName: string): void {
  if (!aliasName.startsWith('alias/')) {
    throw ValidationException(
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    );
  }
  // alias/aws/ is reserved for AWS managed keys; AWS answers NotAuthorizedException with no message.
  // Unverified: the API reference names only the lower-case prefix, older CLI references said names
  // beginning "alias/AWS" are reserved; case variants are refused too, so no customer alias can pass
  // for an AWS managed key's (`alias/AWS/s3` next to `alias/aws/s3`).
  if (aliasName.slice(0, 10).toLowerCase() === 'alias/aws/') throw new AwsError('NotAuthorizedException', '', 400);
}
