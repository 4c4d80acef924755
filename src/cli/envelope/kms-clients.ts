/**
 * The KMS clients under the Encryption SDK's keyrings: AWS SDK v3 `KMS` (the client
 * `@aws-crypto/kms-keyring-node` expects), one per region, built with the standard credential
 * chain, `--profile`, `--region` and `--endpoint-url` (the SDK itself reads AWS_ENDPOINT_URL_KMS,
 * AWS_ENDPOINT_URL and the profile's endpoint_url). A middleware counts every KMS call and keeps
 * each failed call's error, so a failure can be explained with the operation and key it was about.
 */
import { KMS } from '@aws-sdk/client-kms';
import type { KmsNodeClientSupplier } from '@aws-crypto/client-node';

export interface KmsConnection {
  region?: string;
  profile?: string;
  endpointUrl?: string;
}

export interface FailedKmsCall {
  /** e.g. "GenerateDataKey" */
  operation: string;
  keyId: string;
  region: string;
  error: Error & { name: string };
}

export class KmsCallLog {
  readonly calls = new Map<string, number>();
  readonly failures: FailedKmsCall[] = [];

  get total(): number {
    let n = 0;
    for (const c of this.calls.values()) n += c;
    return n;
  }

  /** "3 (GenerateDataKey 1, Decrypt 2)" */
  describe(): string {
    const parts = [...this.calls].map(([op, n]) => `${op} ${n}`);
    return parts.length === 0 ? '0' : `${this.total} (${parts.join(', ')})`;
  }
}

export class KmsClients {
  private readonly clients = new Map<string, KMS>();
  readonly log = new KmsCallLog();

  constructor(private readonly connection: KmsConnection) {}

  /** A client for `region` ('' when the key is an alias or bare id: the configured region). */
  client(region: string): KMS {
    const key = region || '';
    let c = this.clients.get(key);
    if (c) return c;
    c = new KMS({
      region: region || this.connection.region,
      profile: this.connection.profile,
      endpoint: this.connection.endpointUrl,
      customUserAgent: 'locksmith-envelope-cli',
    });
    this.count(c, region || this.connection.region || '');
    this.clients.set(key, c);
    return c;
  }

  /** The keyrings' clientProvider. */
  readonly provider: KmsNodeClientSupplier = (region: string) => this.client(region);

  /** The region the credential chain resolves to (--region, AWS_REGION, the profile's region). */
  async defaultRegion(): Promise<string> {
    return this.client('').config.region();
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
  }

  private count(client: KMS, region: string): void {
    const log = this.log;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = String(context.commandName ?? 'Unknown').replace(/Command$/, '');
        log.calls.set(operation, (log.calls.get(operation) ?? 0) + 1);
        try {
          return await next(args);
        } catch (e) {
          const input = args.input as { KeyId?: string };
          log.failures.push({ operation, keyId: input.KeyId ?? '(key named in the message)', region, error: e as FailedKmsCall['error'] });
          throw e;
        }
      },
      { step: 'initialize', name: 'locksmithKmsCallLog' },
    );
  }
}
