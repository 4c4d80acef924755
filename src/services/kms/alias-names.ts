import { AwsError, ValidationException } from '../../protocols/errors.js';

/** Alias name rules (kms-facts.md "Identifiers"; AWS KMS Developer Guide, "Aliases"). */
export function assertCustomerAliasName(aliasName: string): void {
  if (!aliasName.startsWith('alias/')) {
    throw ValidationException(
      'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html',
    );
  }
  // alias/aws/ is reserved for AWS managed keys; AWS answers NotAuthorizedException with no message.
  if (aliasName.startsWith('alias/aws/')) throw new AwsError('NotAuthorizedException', '', 400);
}
