/**
 * The seed document as written (README "Seed file"): what a YAML/JSON seed file holds, or an
 * object built in code for `startLocksmith({ seed })` / `locksmith.seed(...)`. Validated by
 * `validateSeed` (seed-schema.ts), which reports every problem with its path.
 */

/** An IAM policy document: a JSON object, or its JSON text. */
export type PolicyDocumentInput = Record<string, unknown> | string;

export interface SeedAccessKeyInput {
  /** `AKIA` + 16 of [A-Z0-9]. */
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SeedPolicyInput {
  name: string;
  document: PolicyDocumentInput;
}

export interface SeedUserInput {
  name: string;
  /** IAM path, `/` by default. */
  path?: string;
  accessKeys?: SeedAccessKeyInput[];
  policies?: SeedPolicyInput[];
}

export interface SeedRoleInput {
  name: string;
  path?: string;
  description?: string;
  /** Seconds, 3600–43200. */
  maxSessionDuration?: number;
  trustPolicy: PolicyDocumentInput;
  policies?: SeedPolicyInput[];
}

/** A symmetric encryption KMS key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT). */
export interface SeedKeyInput {
  /** Lowercase UUID, or `mrk-` + 32 hex digits. */
  id: string;
  /** The document's `region` when absent. */
  region?: string;
  description?: string;
  /** Base64 of 32 bytes; random material when absent. */
  material?: string;
  /** The AWS default key policy when absent. */
  policy?: PolicyDocumentInput;
  /** e.g. `alias/app`. */
  aliases?: string[];
  tags?: Record<string, string>;
}

export interface SeedGrantInput {
  /** Id of a key of the same account in the document. */
  keyId: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  /** Grant operations, e.g. `Decrypt`. */
  operations: string[];
  constraints?: { encryptionContextEquals?: Record<string, string>; encryptionContextSubset?: Record<string, string> };
}

export interface SeedAccountInput {
  /** 12 digits. */
  id: string;
  rootAccessKeys?: SeedAccessKeyInput[];
  users?: SeedUserInput[];
  roles?: SeedRoleInput[];
  keys?: SeedKeyInput[];
  grants?: SeedGrantInput[];
}

export interface SeedDocument {
  version?: 1;
  /** Region of keys that name none. */
  region?: string;
  accounts?: SeedAccountInput[];
}
