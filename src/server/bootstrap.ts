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

/**
 * Writes `<dataDir>/aws-config` and `<dataDir>/aws-credentials` in the AWS CLI's file formats
 * (profile `locksmith`). The config is rewritten on every start so its endpoint follows --port.
 */
export function writeAwsProfileFiles(dataDir: string, credentials: AccessKeyPair, region: string, endpoint: string): void {
  const configPath = join(dataDir, 'aws-config');
  writeFileSync(configPath, `[profile locksmith]\nregion = ${region}\nendpoint_url = ${endpoint}\noutput = json\n`, { mode: 0o600 });
  const credentialsPath = join(dataDir, 'aws-credentials');
  if (!existsSync(credentialsPath)) {
    writeFileSync(
      credentialsPath,
      `[locksmith]\naws_access_key_id = ${credentials.accessKeyId}\naws_secret_access_key = ${credentials.secretAccessKey}\n`,
      { mode: 0o600 },
    );
  }
  chmodSync(credentialsPath, 0o600);
}

export function exportBlock(credentials: AccessKeyPair, region: string, endpoint: string): string {
  return [
    `export AWS_ACCESS_KEY_ID=${credentials.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`,
    `export AWS_REGION=${region}`,
    `export AWS_ENDPOINT_URL=${endpoint}`,
  ].join('\n');
}
