import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAccessKey, rootPrincipal, secretOf, type AccessKeyPair } from '../auth/credentials.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { Random } from '../crypto/random.js';
import type { Store } from '../store/ports.js';
import type { Clock } from '../util/clock.js';

export interface BootstrapResult {
  account: string;
  credentials: AccessKeyPair;
  /** True when this start created the account and its root access key. */
  created: boolean;
}

/**
 * First start: creates the default account with a random root access key. Later starts reuse
 * the account's oldest active root key.
 */
export async function ensureDefaultAccount(
  store: Store,
  keyring: RootKeyring,
  random: Random,
  clock: Clock,
  account: string,
): Promise<BootstrapResult> {
  await store.credentials.ensureAccount(account, clock.now());
  const existing = (await store.credentials.listAccessKeys(account)).find((k) => k.principalType === 'Root' && k.status === 'Active');
  if (existing) {
    return { account, created: false, credentials: { accessKeyId: existing.accessKeyId, secretAccessKey: secretOf(keyring, existing) } };
  }
  const credentials = await createAccessKey(store, keyring, random, clock.now(), rootPrincipal(account));
  return { account, created: true, credentials };
}

export const awsConfigPath = (dataDir: string) => join(dataDir, 'aws-config');
export const awsCredentialsPath = (dataDir: string) => join(dataDir, 'aws-credentials');

/**
 * Writes `<dataDir>/aws-config` and `<dataDir>/aws-credentials` in the AWS CLI's file formats
 * (profile `locksmith`). The config is rewritten on every start so its endpoint follows --port;
 * the credentials file is written once. Called only once the server listens, so a first start
 * that fails (port in use) leaves no credentials file and the next start shows the block again.
 * Returns true when this call wrote the credentials file.
 */
export function writeAwsProfileFiles(dataDir: string, credentials: AccessKeyPair, region: string, endpoint: string): boolean {
  const configPath = awsConfigPath(dataDir);
  writeFileSync(configPath, `[profile locksmith]\nregion = ${region}\nendpoint_url = ${endpoint}\noutput = json\n`, { mode: 0o600 });
  const credentialsPath = awsCredentialsPath(dataDir);
  const created = !existsSync(credentialsPath);
  if (created) {
    writeFileSync(
      credentialsPath,
      `[locksmith]\naws_access_key_id = ${credentials.accessKeyId}\naws_secret_access_key = ${credentials.secretAccessKey}\n`,
      { mode: 0o600 },
    );
  }
  chmodSync(credentialsPath, 0o600);
  return created;
}

/** The shell block for a new account: the aws CLI v1 and boto3 read AWS_DEFAULT_REGION, v2 and the SDKs AWS_REGION. */
export function exportBlock(credentials: AccessKeyPair, region: string, endpoint: string): string {
  return [
    `export AWS_ACCESS_KEY_ID=${credentials.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`,
    `export AWS_REGION=${region}`,
    `export AWS_DEFAULT_REGION=${region}`,
    `export AWS_ENDPOINT_URL=${endpoint}`,
  ].join('\n');
}

export interface StartupNotice {
  account: string;
  credentials: AccessKeyPair;
  region: string;
  endpoint: string;
  dataDir: string;
  /** This start wrote the credentials file (the first start that listened). */
  wroteCredentials: boolean;
  /** The log is a terminal: the secret may be shown. Never true for a log that may be a file. */
  showRootCredentials: boolean;
}

/**
 * The start-up lines about the root access key. The secret is shown once, on the first start that
 * listens, and only to a terminal; otherwise the lines name the profile files that hold it.
 */
export function startupNotice(n: StartupNotice): string[] {
  const files = `AWS_CONFIG_FILE=${awsConfigPath(n.dataDir)} AWS_SHARED_CREDENTIALS_FILE=${awsCredentialsPath(n.dataDir)} AWS_PROFILE=locksmith`;
  const lines: string[] = [];
  if (n.wroteCredentials && n.showRootCredentials) {
    lines.push(`Root access key of account ${n.account} (shown once; kept in ${awsCredentialsPath(n.dataDir)}). Paste this into your shell:\n\n${exportBlock(n.credentials, n.region, n.endpoint)}\n`);
  } else if (n.wroteCredentials) {
    lines.push(`Root access key of account ${n.account} written to ${awsCredentialsPath(n.dataDir)} (not printed: the output is not a terminal).`);
  }
  lines.push(`AWS CLI profile: ${files}`);
  return lines;
}
