/**
 * Keyrings and cryptographic materials managers for `locksmith encrypt` / `decrypt`, all from the
 * AWS Encryption SDK for JavaScript (@aws-crypto/client-node):
 * - encrypt: a KMS keyring; the first --key generates the data key (GenerateDataKey), each other
 *   --key adds an encrypted data key (Encrypt).
 * - decrypt --key ARN…: the MRK-aware strict keyring, so a replica's ARN decrypts what its
 *   Multi-Region primary (or another replica) encrypted.
 * - decrypt --discovery [--account …]: MRK-aware discovery in the configured region, then plain
 *   discovery (each encrypted data key's own region), both with the account filter.
 * Optionally under the SDK's caching CMM (data keys reused across messages within limits), and on
 * decrypt under a CMM that checks the required encryption context before any KMS call.
 */
import {
  buildAwsKmsMrkAwareDiscoveryMultiKeyringNode, buildAwsKmsMrkAwareStrictMultiKeyringNode, getLocalCryptographicMaterialsCache,
  KmsKeyringNode, MultiKeyringNode, NodeCachingMaterialsManager, NodeDefaultCryptographicMaterialsManager,
  type KeyringNode, type NodeMaterialsManager,
} from '@aws-crypto/client-node';
import type { KmsClients } from './kms-clients.js';

export interface CacheLimits {
  /** milliseconds a cached data key may be used */
  maxAgeMs: number;
  maxMessages: number;
}

/** Thrown before any KMS call when the message lacks a required encryption-context pair. */
export class EncryptionContextMismatch extends Error {
  override readonly name = 'EncryptionContextMismatch';
}

/** A KMS key ARN: what an encrypted data key records, so what a strict decrypt keyring must be given. */
export const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/;

/** The ARN partition of a Region (AWS General Reference, "Amazon Resource Names"): aws-cn, aws-us-gov, else aws. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  // Unverified: the ISO and European Sovereign Cloud partitions are not mapped; their Regions get "aws".
  return 'aws';
}

export function encryptKeyring(clients: KmsClients, keys: string[]): KeyringNode {
  return new KmsKeyringNode({ generatorKeyId: keys[0], keyIds: keys.slice(1), clientProvider: clients.provider });
}

export async function decryptKeyring(clients: KmsClients, o: { keys: string[]; discovery: boolean; accounts: string[] }): Promise<KeyringNode> {
  if (!o.discovery) {
    return buildAwsKmsMrkAwareStrictMultiKeyringNode({ generatorKeyId: o.keys[0], keyIds: o.keys.slice(1), clientProvider: clients.provider });
  }
  const region = await clients.defaultRegion();
  const discoveryFilter = o.accounts.length > 0 ? { accountIDs: o.accounts, partition: partitionOf(region) } : undefined;
  const mrk = buildAwsKmsMrkAwareDiscoveryMultiKeyringNode({ regions: [region], clientProvider: clients.provider, discoveryFilter });
  const anyRegion = new KmsKeyringNode({ discovery: true, discoveryFilter, clientProvider: clients.provider });
  const strict = o.keys.length > 0 ? [buildAwsKmsMrkAwareStrictMultiKeyringNode({ generatorKeyId: o.keys[0], keyIds: o.keys.slice(1), clientProvider: clients.provider })] : [];
  return new MultiKeyringNode({ children: [...strict, mrk, anyRegion] });
}

/** The keyring, behind the SDK's caching CMM when limits are given. */
export function materials(keyring: KeyringNode, cache: CacheLimits | undefined): NodeMaterialsManager {
  if (!cache) return new NodeDefaultCryptographicMaterialsManager(keyring);
  return new NodeCachingMaterialsManager({
    backingMaterials: keyring,
    cache: getLocalCryptographicMaterialsCache(1000),
    maxAge: cache.maxAgeMs,
    maxMessagesEncrypted: cache.maxMessages,
  });
}

/**
 * Decrypt-side CMM: refuses a message whose encryption context lacks a required pair (before the
 * keyring calls KMS) and remembers which KMS keys the message's encrypted data keys name.
 */
export class RequiredContextMaterials implements NodeMaterialsManager {
  /** Key ARNs of the last message's AWS KMS encrypted data keys. */
  messageKeys: string[] = [];

  constructor(
    private readonly inner: NodeMaterialsManager,
    private readonly required: Record<string, string>,
  ) {}

  getEncryptionMaterials: NodeMaterialsManager['getEncryptionMaterials'] = (request) => this.inner.getEncryptionMaterials(request);

  decryptMaterials: NodeMaterialsManager['decryptMaterials'] = async (request) => {
    this.messageKeys = request.encryptedDataKeys.filter((k) => k.providerId === 'aws-kms').map((k) => k.providerInfo);
    const actual = request.encryptionContext;
    for (const [k, v] of Object.entries(this.required)) {
      if (!Object.prototype.hasOwnProperty.call(actual, k)) throw new EncryptionContextMismatch(`the message's encryption context has no key '${k}'`);
      if (actual[k] !== v) throw new EncryptionContextMismatch(`the message's encryption context has ${k}=${JSON.stringify(actual[k])}, not ${JSON.stringify(v)}`);
    }
    return this.inner.decryptMaterials(request);
  };
}
