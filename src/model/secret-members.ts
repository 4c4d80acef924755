/**
 * Request and response members whose values are secrets: they never appear in error messages,
 * logs or audit records (DESIGN.md: "Key material/secrets never in logs, errors or audit records").
 * The KMS model marks some shapes `sensitive`; these names cover the rest, and IAM and STS, which
 * have no model here.
 */
export const SECRET_MEMBERS: ReadonlySet<string> = new Set([
  // Secrets of IAM and STS: access-key secrets, session tokens, passwords, MFA codes, federation assertions.
  'SecretAccessKey', 'SessionToken', 'Password', 'OldPassword', 'NewPassword', 'TokenCode', 'SAMLAssertion', 'WebIdentityToken',
  // Bearer tokens: a grant token lets its holder use the grant before it is consistent (KMS "Grant tokens").
  'GrantToken', 'GrantTokens',
  // KMS blobs, also left out by type; listed so they stay out should a shape ever change.
  'Plaintext', 'CiphertextBlob', 'SourceCiphertextBlob', 'PrivateKeyPlaintext', 'PrivateKeyCiphertextBlob', 'Signature',
  'Mac', 'Message', 'EncryptedKeyMaterial', 'ImportToken', 'SharedSecret', 'SharedSecretCiphertextBlob', 'CiphertextForRecipient', 'KeyMaterial',
  'KeyStorePassword', 'XksProxyAuthenticationCredential',
]);

/** KMS model shapes that hold secrets without being marked `sensitive` (grant tokens are bearer credentials). */
export const SECRET_SHAPES: ReadonlySet<string> = new Set(['GrantTokenType', 'GrantTokenList']);
