import { accountRootArn, keyArn } from '../../domain/arn.js';
import { KEY_MATERIAL_ID_BYTES } from '../../domain/ciphertext.js';
import type { KmsAlias, KmsKey } from '../../domain/key.js';
import type { Random } from '../../crypto/random.js';
import type { Clock } from '../../util/clock.js';
import type { CallContext } from '../../domain/call-context.js';
import { materialAad, type KmsCore } from './kms-core.js';

/**
 * AWS managed keys (KMS Developer Guide, "AWS managed keys"): one per integrated service, account
 * and Region, named `alias/aws/<service>`, created by AWS on first use. Their key policy lets the
 * account's principals use the key only through that service (kms:ViaService + kms:CallerAccount)
 * and read its metadata; nothing allows managing it, so PutKeyPolicy, DisableKey,
 * ScheduleKeyDeletion, EnableKeyRotation, TagResource, … are AccessDeniedException "because no
 * resource-based policy allows …" (as AWS answers, e.g. elastic/cloudbeat#1749). KMS rotates them
 * every year (EnableKeyRotation API reference).
 *
 * Policies and descriptions are the ones AWS sets, as returned by GetKeyPolicy / DescribeKey in
 * us-east-1 (github.com/FogSecurity/aws-managed-kms-keys, reference_key_policies/<service>.json;
 * DescribeKey outputs in public repositories).
 */
interface ManagedKeySpec {
  /** Description AWS gives the key. */
  description: string;
  /** The policy's Id. */
  policyId: string;
  /** Sid of the "use through the service" statement. */
  sid: string;
  actions: string[];
  /** Endpoint prefix of kms:ViaService (`<prefix>.<region>.amazonaws.com`); EBS uses ec2. */
  via: string;
  /** Order of the two StringEquals keys, as AWS writes them; `anyRegion`: StringLike `<via>.*.amazonaws.com`. */
  condition: 'callerFirst' | 'viaFirst' | 'anyRegion';
  /** Whether the metadata statement also allows kms:RevokeGrant. */
  revokeGrant: boolean;
  /** Secrets Manager: a second statement allowing GenerateDataKey* through the service in any Region. */
  generateDataKeyAnyRegion?: boolean;
  /** A last statement letting the service principal read the key ([Sid, service principal]). */
  serviceDescribe?: [string, string];
}

const USE = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];
const through = (what: string) => `Allow access through ${what} for all principals in the account that are authorized to use ${what}`;
const protects = (what: string) => `Default key that protects my ${what} when no other key is defined`;

export const AWS_MANAGED_KEY_SPECS: Readonly<Record<string, ManagedKeySpec>> = {
  s3: { description: protects('S3 objects'), policyId: 'auto-s3-2', sid: through('S3'), actions: [...USE, 'kms:DescribeKey'], via: 's3', condition: 'callerFirst', revokeGrant: false },
  lambda: {
    description: protects('Lambda functions'), policyId: 'auto-awslambda', sid: through('AWS Lambda'),
    actions: [...USE, 'kms:CreateGrant', 'kms:DescribeKey'], via: 'lambda', condition: 'callerFirst', revokeGrant: true,
  },
  ebs: { description: protects('EBS volumes'), policyId: 'auto-ebs-2', sid: through('EBS'), actions: [...USE, 'kms:CreateGrant', 'kms:DescribeKey'], via: 'ec2', condition: 'viaFirst', revokeGrant: true },
  rds: {
    description: protects('RDS database volumes'), policyId: 'auto-rds-2', sid: through('RDS'),
    actions: [...USE, 'kms:CreateGrant', 'kms:ListGrants', 'kms:DescribeKey'], via: 'rds', condition: 'viaFirst', revokeGrant: true,
  },
  secretsmanager: {
    description: protects('Secrets Manager data'), policyId: 'auto-secretsmanager-2', sid: through('AWS Secrets Manager'),
    actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:CreateGrant', 'kms:DescribeKey'], via: 'secretsmanager',
    condition: 'viaFirst', revokeGrant: true, generateDataKeyAnyRegion: true,
  },
  sqs: {
    description: protects('SQS messages'), policyId: 'auto-sqs-1', sid: 'Allow access through Simple Queue Service (SQS) for all principals in the account that are authorized to use SQS',
    actions: [...USE, 'kms:CreateGrant', 'kms:DescribeKey'], via: 'sqs', condition: 'viaFirst', revokeGrant: true,
  },
  sns: {
    description: protects('SNS data'), policyId: 'auto-sns-1', sid: through('SNS'),
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:ListGrants', 'kms:DescribeKey'], via: 'sns', condition: 'callerFirst', revokeGrant: true,
  },
  dynamodb: {
    description: protects('DynamoDB data'), policyId: 'auto-dynamodb-3', sid: through('Amazon DynamoDB'),
    actions: [...USE, 'kms:CreateGrant', 'kms:DescribeKey'], via: 'dynamodb', condition: 'anyRegion', revokeGrant: true,
    serviceDescribe: ['Allow DynamoDB to directly describe the key', 'dynamodb.amazonaws.com'],
  },
  ssm: { description: protects('SSM parameters'), policyId: 'auto-ssm-1', sid: through('SSM'), actions: [...USE, 'kms:DescribeKey'], via: 'ssm', condition: 'viaFirst', revokeGrant: false },
  // Unverified: the description of aws/kinesis (the policy is verified).
  kinesis: { description: protects('Kinesis data'), policyId: 'auto-kinesis-1', sid: through('Amazon Kinesis'), actions: [...USE, 'kms:DescribeKey'], via: 'kinesis', condition: 'callerFirst', revokeGrant: false },
  elasticfilesystem: {
    description: protects('EFS filesystems'), policyId: 'auto-elasticfilesystem-1',
    sid: 'Allow access to EFS for all principals in the account that are authorized to use EFS',
    actions: [...USE, 'kms:CreateGrant', 'kms:DescribeKey'], via: 'elasticfilesystem', condition: 'callerFirst', revokeGrant: true,
  },
  ecr: {
    description: protects('ECR data'), policyId: 'auto-ecr-1', sid: through('Amazon ECR'),
    actions: [...USE, 'kms:CreateGrant', 'kms:DescribeKey', 'kms:RetireGrant'], via: 'ecr', condition: 'viaFirst', revokeGrant: true,
  },
  es: {
    description: protects('Amazon OpenSearch Service (successor to Amazon Elasticsearch Service) data'), policyId: 'auto-es-2', sid: through('OpenSearch Service'),
    actions: [...USE, 'kms:CreateGrant', 'kms:DescribeKey'], via: 'es', condition: 'callerFirst', revokeGrant: true,
    serviceDescribe: ['Allow OpenSearch service principals to describe the key directly', 'es.amazonaws.com'],
  },
  kafka: {
    description: protects('Kafka data'), policyId: 'auto-kafka-1', sid: through('Kafka'),
    actions: [...USE, 'kms:CreateGrant', 'kms:ListGrants', 'kms:DescribeKey'], via: 'kafka', condition: 'callerFirst', revokeGrant: true,
  },
  backup: {
    description: protects('Backup data'), policyId: 'auto-backup-1',
    sid: 'Allow access through Backup for all principals in the account that are authorized to use Backup Storage',
    actions: ['kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKey*'], via: 'backup', condition: 'callerFirst', revokeGrant: true,
  },
  // Unverified: "Default key" (older keys say "Default master key that protects my Glue data …").
  glue: { description: protects('Glue data'), policyId: 'auto-glue-1', sid: through('Glue'), actions: [...USE, 'kms:CreateGrant', 'kms:DescribeKey'], via: 'glue', condition: 'viaFirst', revokeGrant: true },
};

export const AWS_MANAGED_ALIAS_PREFIX = 'alias/aws/';
/** AWS managed keys are rotated every year (EnableKeyRotation API reference, "In May 2022 …"). */
export const AWS_MANAGED_ROTATION_DAYS = 365;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The service of a predefined AWS alias (`alias/aws/s3` → `s3`), or undefined. */
export function awsManagedService(aliasName: string): string | undefined {
  if (!aliasName.startsWith(AWS_MANAGED_ALIAS_PREFIX)) return undefined;
  const service = aliasName.slice(AWS_MANAGED_ALIAS_PREFIX.length);
  return Object.hasOwn(AWS_MANAGED_KEY_SPECS, service) ? service : undefined;
}

/** The kms:ViaService value through which the service's AWS managed key may be used. */
export function awsManagedViaService(service: string, region: string): string {
  return `${spec(service).via}.${region}.amazonaws.com`;
}

/** The key policy AWS sets on the service's AWS managed key, laid out as GetKeyPolicy returns it. */
export function awsManagedKeyPolicy(service: string, account: string, region: string): string {
  const s = spec(service);
  const via = awsManagedViaService(service, region);
  const caller = { 'kms:CallerAccount': account };
  const condition =
    s.condition === 'anyRegion'
      ? { StringEquals: caller, StringLike: { 'kms:ViaService': `${s.via}.*.amazonaws.com` } }
      : { StringEquals: s.condition === 'viaFirst' ? { 'kms:ViaService': via, ...caller } : { ...caller, 'kms:ViaService': via } };
  const statements: object[] = [{ Sid: s.sid, Effect: 'Allow', Principal: { AWS: '*' }, Action: s.actions, Resource: '*', Condition: condition }];
  if (s.generateDataKeyAnyRegion) {
    statements.push({
      Sid: s.sid, Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:GenerateDataKey*', Resource: '*',
      Condition: { StringEquals: caller, StringLike: { 'kms:ViaService': `${s.via}.*.amazonaws.com` } },
    });
  }
  const metadata = ['kms:Describe*', 'kms:Get*', 'kms:List*', ...(s.revokeGrant ? ['kms:RevokeGrant'] : [])];
  statements.push({ Sid: 'Allow direct access to key metadata to the account', Effect: 'Allow', Principal: { AWS: accountRootArn(account) }, Action: metadata, Resource: '*' });
  if (s.serviceDescribe) {
    const [sid, principal] = s.serviceDescribe;
    statements.push({ Sid: sid, Effect: 'Allow', Principal: { Service: principal }, Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'], Resource: '*' });
  }
  return prettyJson({ Version: '2012-10-17', Id: s.policyId, Statement: statements });
}

/** Where and when to create: the owning account and Region, the injected clock and random source. */
export interface ManagedKeyScope {
  account: string;
  region: string;
  clock: Clock;
  random: Random;
}

/**
 * The service's AWS managed key in the account and Region, created (with its alias) when it
 * does not exist yet. Two concurrent first uses end with one key: the loser of the alias race
 * removes the key it made and uses the winner's.
 */
export async function ensureAwsManagedKey(kms: KmsCore, scope: ManagedKeyScope, service: string): Promise<KmsKey> {
  const alias = await ensureAwsManagedAlias(kms, scope, service);
  const key = await kms.store.keys.get({ account: scope.account, region: scope.region, keyId: alias.targetKeyId });
  if (!key) throw new Error(`alias/aws/${service} points to a missing key`);
  return key;
}

/**
 * Key resolution of a predefined AWS alias (`alias/aws/<known service>`) that does not exist yet:
 * AWS creates the AWS managed key when the alias is first used — DescribeKey ("If you specify a
 * predefined AWS alias … KMS associates the alias with an AWS managed key", DescribeKey API
 * reference) and an integrated service's first call. Undefined for any other alias name.
 * Unverified: that a customer's direct cryptographic call on the alias creates the key too (the
 * call itself is then refused by the key policy either way).
 */
export async function predefinedAwsAlias(kms: KmsCore, ctx: Pick<CallContext, 'account' | 'region' | 'clock' | 'random'>, aliasName: string): Promise<KmsAlias | undefined> {
  const service = awsManagedService(aliasName);
  return service === undefined ? undefined : ensureAwsManagedAlias(kms, ctx, service);
}

async function ensureAwsManagedAlias(kms: KmsCore, scope: ManagedKeyScope, service: string): Promise<KmsAlias> {
  const { account, region } = scope;
  const aliasName = `${AWS_MANAGED_ALIAS_PREFIX}${service}`;
  const existing = await kms.store.aliases.get(account, region, aliasName);
  if (existing) return existing;
  const now = scope.clock.now();
  const keyId = scope.random.uuid();
  await createAwsKey(kms, scope.random, now, {
    account,
    region,
    keyId,
    description: spec(service).description,
    policy: awsManagedKeyPolicy(service, account, region),
    rotation: { periodInDays: AWS_MANAGED_ROTATION_DAYS, nextRotationDate: new Date(now.getTime() + AWS_MANAGED_ROTATION_DAYS * DAY_MS) },
  });
  const alias: KmsAlias = { account, region, aliasName, targetKeyId: keyId, creationDate: now, lastUpdatedDate: now };
  if (await kms.store.aliases.create(alias)) return alias;
  await kms.store.keys.destroy({ account, region, keyId });
  const winner = await kms.store.aliases.get(account, region, aliasName);
  if (!winner) throw new Error(`${aliasName} vanished while it was being created`);
  return winner;
}

/** Creates a symmetric key that AWS manages (KeyManager AWS) with fresh material, wrapped under the root key. */
export async function createAwsKey(
  kms: KmsCore,
  random: Random,
  now: Date,
  k: Pick<KmsKey, 'account' | 'region' | 'keyId' | 'description' | 'policy' | 'rotation'>,
): Promise<KmsKey> {
  const keyMaterialId = random.bytes(KEY_MATERIAL_ID_BYTES).toString('hex');
  const key: KmsKey = {
    ...k,
    arn: keyArn(k.region, k.account, k.keyId),
    creationDate: now,
    keyUsage: 'ENCRYPT_DECRYPT',
    keySpec: 'SYMMETRIC_DEFAULT',
    origin: 'AWS_KMS',
    keyManager: 'AWS',
    multiRegion: false,
    lifecycle: { state: 'Enabled' },
    currentKeyMaterialId: keyMaterialId,
  };
  const secret = random.bytes(32);
  const wrapped = kms.keyring.wrap(secret, materialAad(key.arn, keyMaterialId));
  secret.fill(0);
  await kms.store.keys.create(key, [{ keyMaterialId, createdAt: now, wrapped }], {});
  return key;
}

function spec(service: string): ManagedKeySpec {
  const s = Object.hasOwn(AWS_MANAGED_KEY_SPECS, service) ? AWS_MANAGED_KEY_SPECS[service] : undefined;
  if (!s) throw new Error(`no AWS managed key for service ${service}`);
  return s;
}

/** JSON the way AWS returns key policies (Jackson's default pretty printer): `"k" : v`, inline arrays. */
function prettyJson(value: unknown, depth = 0): string {
  if (Array.isArray(value)) return value.length === 0 ? '[ ]' : `[ ${value.map((v) => prettyJson(v, depth)).join(', ')} ]`;
  if (value !== null && typeof value === 'object') {
    const pad = '  '.repeat(depth + 1);
    const fields = Object.entries(value).map(([k, v]) => `${pad}${JSON.stringify(k)} : ${prettyJson(v, depth + 1)}`);
    return fields.length === 0 ? '{ }' : `{\n${fields.join(',\n')}\n${'  '.repeat(depth)}}`;
  }
  return JSON.stringify(value);
}
