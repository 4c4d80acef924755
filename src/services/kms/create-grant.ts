import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { createHash } from 'node:crypto';
import { accountRootArn } from '../../domain/arn.js';
import type { KmsKey } from '../../domain/key.js';
import { InvalidArnException, LimitExceededException, ValidationException } from '../../errors/aws-error.js';
import type { GrantConstraints, KmsGrant } from '../../store/grant-ports.js';
import type { Store } from '../../store/ports.js';
import { bindGrantPrincipal } from '../principal-binding.js';
import { CONTEXT_OPERATIONS } from './grant-evaluation.js';
import { defineOperation, stopIfDryRun, type KmsHandler } from './operation.js';

/** AWS KMS Developer Guide, "Quotas": grants per KMS key. */
export const MAX_GRANTS_PER_KEY = 50_000;
/** "Each grant constraint value can include up to 8 encryption context pairs … cannot exceed 384 characters." */
const MAX_CONSTRAINT_PAIRS = 8;
const MAX_CONSTRAINT_CHARS = 384;

/** Grant tokens are 48 random bytes, base64: opaque and unguessable; only their SHA-256 is stored. */
const GRANT_TOKEN_BYTES = 48;
export const GRANT_TOKEN_FORMAT = /^[A-Za-z0-9+/]{64}$/;
export const grantTokenSha256 = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * Principals a grant may name (CreateGrant, GranteePrincipal: "Amazon Web Services accounts, IAM
 * users, IAM roles, federated users, and assumed role users"). Groups and service principals
 * don't qualify.
 */
const PRINCIPAL_ARNS = [
  /^arn:aws[a-z-]*:iam::(\d{12}):root$/,
  /^arn:aws[a-z-]*:iam::(\d{12}):(?:user|role)\/(?:[^/]+\/)*[^/]+$/,
  /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/[^/]+\/[^/]+$/,
  /^arn:aws[a-z-]*:sts::(\d{12}):federated-user\/[^/]+$/,
];

/** The account of a principal ARN a grant may name, or undefined when it names no such principal. */
export function principalAccount(value: string): string | undefined {
  for (const re of PRINCIPAL_ARNS) {
    const m = re.exec(value);
    if (m) return m[1];
  }
  return undefined;
}

export function assertPrincipalArn(value: string): void {
  if (principalAccount(value) === undefined) throw InvalidArnException(`ARN does not refer to a valid principal: ${value}`);
}

const COMMON_OPERATIONS = ['CreateGrant', 'RetireGrant', 'DescribeKey'];
/**
 * Grant operations a key supports (CreateGrant API reference: "if the grant allows an operation
 * that the KMS key does not support, CreateGrant fails with a ValidationException").
 */
function operationsFor(key: KmsKey): string[] {
  if (key.keySpec === 'SYMMETRIC_DEFAULT') return [...COMMON_OPERATIONS, ...CONTEXT_OPERATIONS];
  switch (key.keyUsage) {
    case 'ENCRYPT_DECRYPT':
      return [...COMMON_OPERATIONS, 'Encrypt', 'Decrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey'];
    case 'SIGN_VERIFY':
      return [...COMMON_OPERATIONS, 'Sign', 'Verify', 'GetPublicKey'];
    case 'GENERATE_VERIFY_MAC':
      return [...COMMON_OPERATIONS, 'GenerateMac', 'VerifyMac'];
    case 'KEY_AGREEMENT':
      return [...COMMON_OPERATIONS, 'DeriveSharedSecret', 'GetPublicKey'];
    case 'ENCAPSULATE_DECAPSULATE':
      return [...COMMON_OPERATIONS, 'Encapsulate', 'Decapsulate', 'GetPublicKey'];
  }
}

/** The request's constraints with only the members that constrain, or undefined. */
function readConstraints(c: GrantConstraints & { SourceArn?: string } | undefined): GrantConstraints | undefined {
  if (!c) return undefined;
  const out: GrantConstraints = {};
  for (const name of ['EncryptionContextEquals', 'EncryptionContextSubset'] as const) {
    const pairs = c[name];
    if (pairs === undefined) continue;
    const entries = Object.entries(pairs);
    if (entries.length > MAX_CONSTRAINT_PAIRS) {
      throw ValidationException(`${name} can include at most ${MAX_CONSTRAINT_PAIRS} encryption context pairs.`);
    }
    if (entries.reduce((n, [k, v]) => n + k.length + v.length, 0) > MAX_CONSTRAINT_CHARS) {
      throw ValidationException(`${name} cannot exceed ${MAX_CONSTRAINT_CHARS} characters.`);
    }
    out[name] = pairs;
  }
  return out.EncryptionContextEquals || out.EncryptionContextSubset ? out : undefined;
}

function checkRequest(input: Record<string, unknown>): void {
  if (input.GranteeServicePrincipal !== undefined || input.RetiringServicePrincipal !== undefined ||
      (input.Constraints as { SourceArn?: string } | undefined)?.SourceArn !== undefined) {
    throw ValidationException('Grants for service principals (GranteeServicePrincipal, RetiringServicePrincipal, SourceArn) are not supported.');
  }
  if (typeof input.GranteePrincipal !== 'string') {
    throw ValidationException('You must specify either GranteePrincipal or GranteeServicePrincipal.');
  }
  assertPrincipalArn(input.GranteePrincipal);
  if (typeof input.RetiringPrincipal === 'string') assertPrincipalArn(input.RetiringPrincipal);
}

/**
 * A grantee or retiring principal as the grant stores it: an IAM user or role by its unique id, so a
 * namesake created after a deletion does not inherit the grant; one that does not exist is refused
 * with InvalidArnException (as AWS refuses a principal it cannot resolve, e.g. a role not yet
 * propagated: terraform-provider-aws PR #3038). // Unverified: AWS's message text for this case.
 */
async function storedPrincipal(store: Store, arn: string): Promise<string> {
  const stored = await bindGrantPrincipal(store, arn);
  if (stored === undefined) throw InvalidArnException(`ARN does not refer to a valid principal: ${arn}`);
  return stored;
}

function checkOperations(operations: string[]): void {
  if (operations.length === 0) throw ValidationException('Grants must contain at least one operation.');
  // AWS's message (a grant allowing only CreateGrant could never be used).
  if (operations.every((op) => op === 'CreateGrant')) throw ValidationException('Grants must not contain only the CreateGrant operation.');
}

function checkForKey(key: KmsKey, operations: string[], constraints: GrantConstraints | undefined): void {
  const supported = operationsFor(key);
  const invalid = operations.filter((op) => !supported.includes(op));
  if (invalid.length > 0) {
    throw ValidationException(
      `Grant operations [${invalid.join(', ')}] are not valid for a KMS key with KeySpec ${key.keySpec} and KeyUsage ${key.keyUsage}.`,
    );
  }
  // "You cannot use an encryption context grant constraint … with asymmetric KMS keys or HMAC KMS keys."
  if (constraints && key.keySpec !== 'SYMMETRIC_DEFAULT') {
    throw ValidationException(`Encryption context grant constraints are not valid for a KMS key with KeySpec ${key.keySpec}.`);
  }
}

const sameContext = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) =>
  a === undefined || b === undefined
    ? a === b
    : Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => Object.hasOwn(b, k) && b[k] === v);

/** CreateGrant retried: a grant of the same name with the same properties (CreateGrant API reference, "Name"). */
function sameGrant(g: KmsGrant, want: Pick<KmsGrant, 'granteePrincipal' | 'retiringPrincipal' | 'operations' | 'constraints'>): boolean {
  const ops = new Set(g.operations);
  return (
    g.granteePrincipal === want.granteePrincipal &&
    g.retiringPrincipal === want.retiringPrincipal &&
    ops.size === want.operations.length && want.operations.every((op) => ops.has(op)) &&
    sameContext(g.constraints?.EncryptionContextEquals, want.constraints?.EncryptionContextEquals) &&
    sameContext(g.constraints?.EncryptionContextSubset, want.constraints?.EncryptionContextSubset)
  );
}

export const createGrant: KmsHandler<'CreateGrant'> = async (input, ctx, kms) => {
  checkRequest(input);
  const operations = [...new Set<string>(input.Operations)];
  checkOperations(operations);
  const constraints = readConstraints(input.Constraints);
  const key = await kms.resolveKey(ctx, input.KeyId, { op: CreateGrant, input });
  checkForKey(key, operations, constraints);
  const ref = { account: key.account, region: key.region, keyId: key.keyId };
  const wanted = {
    granteePrincipal: await storedPrincipal(kms.store, input.GranteePrincipal as string),
    retiringPrincipal: typeof input.RetiringPrincipal === 'string' ? await storedPrincipal(kms.store, input.RetiringPrincipal) : undefined,
    operations,
    constraints,
  };
  const token = ctx.random.bytes(GRANT_TOKEN_BYTES).toString('base64');

  const name: string | undefined = input.Name;
  if (name !== undefined) {
    const existing = (await kms.store.grants.findByName(ref, name)).find((g) => sameGrant(g, wanted));
    if (existing) {
      stopIfDryRun(input);
      // "The returned grant token is unique with every CreateGrant request, even when a duplicate GrantId is returned."
      if (await kms.store.grants.addToken(ref, existing.grantId, grantTokenSha256(token))) {
        return { GrantToken: token, GrantId: existing.grantId };
      }
    }
  }
  stopIfDryRun(input);

  const grant: KmsGrant = {
    ...ref,
    grantId: ctx.random.bytes(32).toString('hex'),
    ...(name !== undefined ? { name } : {}),
    granteePrincipal: wanted.granteePrincipal,
    ...(wanted.retiringPrincipal !== undefined ? { retiringPrincipal: wanted.retiringPrincipal } : {}),
    operations,
    ...(constraints ? { constraints } : {}),
    issuingAccount: accountRootArn(ctx.account),
    creationDate: ctx.clock.now(),
    grantTokenSha256: grantTokenSha256(token),
  };
  if (!(await kms.store.grants.create(grant, MAX_GRANTS_PER_KEY))) {
    // Unverified: AWS documents the quota and LimitExceededException, not the message text.
    throw LimitExceededException(`The number of grants on ${key.arn} has reached the quota of ${MAX_GRANTS_PER_KEY} grants per KMS key.`);
  }
  return { GrantToken: token, GrantId: grant.grantId };
};

export const CreateGrant = defineOperation({
  facts: KMS_OPERATION_FACTS.CreateGrant,
  aliases: false,
  readOnly: false,
  handler: createGrant,
});
