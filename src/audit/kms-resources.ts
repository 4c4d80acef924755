import { isKeyId, keyArn, parseKeyReference } from '../domain/arn.js';
import { parseCiphertext } from '../domain/ciphertext.js';
import type { Store } from '../store/ports.js';

/** A KMS key a call concerned, as its `resources` entry names it. */
export interface KeyResource {
  account: string;
  region: string;
  keyId: string;
  arn: string;
}

const KEY_MEMBERS = ['KeyId', 'TargetKeyId', 'SourceKeyId', 'DestinationKeyId'];
const BLOB_MEMBERS = ['CiphertextBlob', 'SourceCiphertextBlob'];

const asRecord = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A blob member as the validated input (Buffer) or the raw JSON (base64 text) holds it. */
function blobOf(v: unknown): Buffer | undefined {
  if (Buffer.isBuffer(v)) return v;
  return typeof v === 'string' ? Buffer.from(v, 'base64') : undefined;
}

function fromArn(arn: string): KeyResource | undefined {
  const ref = parseKeyReference(arn);
  return ref.kind === 'keyArn' && isKeyId(ref.keyId) ? { account: ref.account, region: ref.region, keyId: ref.keyId, arn } : undefined;
}

/**
 * The keys a KMS call named or used, for its record's `resources`: key ids, key ARNs and aliases
 * from the request (aliases resolved in the store), the key recorded in a ciphertext (Decrypt,
 * ReEncrypt) and the key ARNs of the response. Unresolvable references are left out.
 */
export async function kmsResources(store: Pick<Store, 'aliases'>, account: string, region: string, request: unknown, output: unknown): Promise<KeyResource[]> {
  return resolveKmsResources(store, account, region, kmsResourceFacts(region, request, output));
}

/**
 * The part of kmsResources that needs no store, taken on the request path: the keys the response
 * and the ciphertexts name, and the request's key references still to resolve (in record order).
 */
export function kmsResourceFacts(region: string, request: unknown, output: unknown): { keys: KeyResource[]; keyRefs: string[] } {
  const found = new Map<string, KeyResource>();
  const add = (r: KeyResource | undefined) => r && !found.has(r.arn) && found.set(r.arn, r);
  const out = asRecord(output);
  add(fromArn(String(asRecord(out.KeyMetadata).Arn ?? '')));
  for (const m of ['KeyId', 'SourceKeyId']) if (typeof out[m] === 'string') add(fromArn(out[m]));
  const req = asRecord(request);
  for (const m of BLOB_MEMBERS) {
    const parsed = blobOf(req[m]) && parseCiphertext(blobOf(req[m])!);
    if (parsed) add({ account: parsed.account, region, keyId: parsed.keyId, arn: keyArn(region, parsed.account, parsed.keyId) });
  }
  const keyRefs: string[] = [];
  for (const m of KEY_MEMBERS) {
    const v = req[m];
    if (typeof v === 'string') keyRefs.push(v);
  }
  return { keys: [...found.values()], keyRefs };
}

/** The keys of kmsResourceFacts, with the request's references resolved (by the audit writer). */
export async function resolveKmsResources(
  store: Pick<Store, 'aliases'>, account: string, region: string, facts: { keys: KeyResource[]; keyRefs: string[] },
): Promise<KeyResource[]> {
  const found = new Map<string, KeyResource>(facts.keys.map((k) => [k.arn, k]));
  for (const ref of facts.keyRefs) {
    const r = await resolve(store, account, region, ref);
    if (r && !found.has(r.arn)) found.set(r.arn, r);
  }
  return [...found.values()];
}

async function resolve(store: Pick<Store, 'aliases'>, account: string, region: string, value: string): Promise<KeyResource | undefined> {
  const ref = parseKeyReference(value);
  switch (ref.kind) {
    case 'keyId':
      return isKeyId(ref.keyId) ? { account, region, keyId: ref.keyId, arn: keyArn(region, account, ref.keyId) } : undefined;
    case 'keyArn':
      return fromArn(value);
    case 'aliasName':
    case 'aliasArn': {
      const [a, r] = ref.kind === 'aliasArn' ? [ref.account, ref.region] : [account, region];
      const alias = await store.aliases.get(a, r, ref.aliasName);
      return alias && { account: a, region: r, keyId: alias.targetKeyId, arn: keyArn(r, a, alias.targetKeyId) };
    }
    default:
      return undefined;
  }
}

/** The key material id a ciphertext of the request or response was sealed with (additionalEventData). */
export function keyMaterialIdOf(request: unknown, output: unknown): string | undefined {
  for (const blob of [asRecord(output).CiphertextBlob, asRecord(request).CiphertextBlob]) {
    const b = blobOf(blob);
    const parsed = b && parseCiphertext(b);
    if (parsed) return parsed.keyMaterialId;
  }
  return undefined;
}
