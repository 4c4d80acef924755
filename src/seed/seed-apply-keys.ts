import { timingSafeEqual } from 'node:crypto';
import { accountRootArn, keyArn } from '../domain/arn.js';
import { KEY_MATERIAL_ID_BYTES } from '../domain/ciphertext.js';
import type { KmsKey } from '../domain/key.js';
import { defaultKeyPolicy } from '../domain/key-policy.js';
import { KEY_SPECS } from '../domain/key-specs.js';
import type { Random } from '../crypto/random.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import { grantTokenSha256, MAX_GRANTS_PER_KEY } from '../services/kms/create-grant.js';
import { materialAad } from '../services/kms/kms-service.js';
import { bindGrantPrincipal, bindPolicyPrincipals } from '../services/principal-binding.js';
import { parsePolicy } from '../policy/document.js';
import type { KeyRef, Store } from '../store/ports.js';
import { createOnce } from './seed-create.js';
import { seededGrantId, seededKeyMaterialId } from './seed-ids.js';
import { tally, type SeedReport } from './seed-report.js';
import type { SeedAccount, SeedKey } from './seed-types.js';

const SPEC = 'SYMMETRIC_DEFAULT';

const refOf = (account: string, key: SeedKey): KeyRef => ({ account, region: key.region, keyId: key.id });

/**
 * Whether a stored key holds the seed's material. Looked up by the material id the seed derives,
 * so it holds after the key's current material changes (rotation keeps old versions).
 */
export async function holdsSeededMaterial(store: Store, keyring: RootKeyring, key: KmsKey, material: Buffer): Promise<boolean> {
  const id = seededKeyMaterialId(material);
  const stored = await store.keys.getMaterial(key, id);
  if (!stored?.wrapped) return false;
  const plain = keyring.unwrap(stored.wrapped, materialAad(key.arn, id));
  try {
    return plain.length === material.length && timingSafeEqual(plain, material);
  } finally {
    plain.fill(0);
  }
}

/**
 * Creates the account's seeded keys that do not exist (a key that exists is never touched: not its
 * material, policy, description nor tags), then their missing aliases, then missing grants.
 */
export async function applyKeys(
  store: Store,
  keyring: RootKeyring,
  random: Random,
  now: Date,
  account: SeedAccount,
  report: SeedReport,
): Promise<void> {
  for (const seed of account.keys) {
    const ref = refOf(account.id, seed);
    const exists = async () => (await store.keys.get(ref)) !== undefined;
    if (await exists()) tally(report.keys, 'unchanged');
    else tally(report.keys, await createOnce(() => createSeededKey(store, keyring, random, now, account.id, seed), exists));
    for (const aliasName of seed.aliases) {
      const existing = await store.aliases.get(account.id, seed.region, aliasName);
      if (existing) {
        if (existing.targetKeyId !== seed.id) {
          report.warnings.push(
            `${aliasName} in account ${account.id} ${seed.region} points to key ${existing.targetKeyId}, not the seeded key ${seed.id}; left unchanged`,
          );
        }
        tally(report.aliases, 'unchanged');
        continue;
      }
      const created = await store.aliases.create({
        account: account.id,
        region: seed.region,
        aliasName,
        targetKeyId: seed.id,
        creationDate: now,
        lastUpdatedDate: now,
      });
      tally(report.aliases, created ? 'created' : 'unchanged');
    }
  }
  for (const grant of account.grants) {
    const ref: KeyRef = { account: account.id, region: grant.region, keyId: grant.keyId };
    const grantId = seededGrantId(account.id, grant);
    const exists = async () => (await store.grants.get(ref, grantId)) !== undefined;
    if (await exists()) {
      tally(report.grants, 'unchanged');
      continue;
    }
    const grantee = (await bindGrantPrincipal(store, grant.granteePrincipal)) ?? grant.granteePrincipal;
    const retiring = grant.retiringPrincipal === undefined ? undefined : ((await bindGrantPrincipal(store, grant.retiringPrincipal)) ?? grant.retiringPrincipal);
    const created = await createOnce(() => store.grants.create({
      ...ref,
      grantId,
      ...(grant.name !== undefined && { name: grant.name }),
      granteePrincipal: grantee,
      ...(retiring !== undefined && { retiringPrincipal: retiring }),
      operations: [...grant.operations],
      ...(grant.constraints !== undefined && { constraints: grant.constraints }),
      issuingAccount: accountRootArn(account.id),
      creationDate: now,
      // Seeded grants have no usable grant token: this is the hash of a secret nobody keeps.
      grantTokenSha256: grantTokenSha256(random.bytes(48).toString('base64')),
    }, MAX_GRANTS_PER_KEY), exists).catch((e: Error) => {
      throw new Error(`cannot seed grant ${grantId} on ${keyArn(ref.region, ref.account, ref.keyId)} (at most ${MAX_GRANTS_PER_KEY} grants per key): ${e.message}`);
    });
    tally(report.grants, created);
  }
}

async function createSeededKey(store: Store, keyring: RootKeyring, random: Random, now: Date, account: string, seed: SeedKey): Promise<void> {
  const arn = keyArn(seed.region, account, seed.id);
  const secret = seed.material ? Buffer.from(seed.material) : random.bytes(KEY_SPECS[SPEC].symmetricKeyBytes!);
  const keyMaterialId = seed.material ? seededKeyMaterialId(seed.material) : random.bytes(KEY_MATERIAL_ID_BYTES).toString('hex');
  const key: KmsKey = {
    account,
    region: seed.region,
    keyId: seed.id,
    arn,
    creationDate: now,
    description: seed.description,
    keyUsage: 'ENCRYPT_DECRYPT',
    keySpec: SPEC,
    origin: 'AWS_KMS',
    keyManager: 'CUSTOMER',
    // Only Multi-Region keys have mrk- ids (AWS KMS Developer Guide, "Multi-Region key identifiers").
    multiRegion: seed.id.startsWith('mrk-'),
    lifecycle: { state: 'Enabled' },
    policy: seed.policy === undefined ? defaultKeyPolicy(account) : await seededPolicy(store, seed.policy),
    currentKeyMaterialId: keyMaterialId,
  };
  const wrapped = keyring.wrap(secret, materialAad(arn, keyMaterialId));
  secret.fill(0);
  await store.keys.create(key, [{ keyMaterialId, createdAt: now, wrapped }], { ...seed.tags });
}

/**
 * A seeded key policy as KMS would save it: users and roles that exist when the seed is applied
 * are bound to their unique ids (principal-binding.ts); others, e.g. seeded later in another
 * account, stay ARNs and match by name.
 */
async function seededPolicy(store: Store, text: string): Promise<string> {
  return (await bindPolicyPrincipals(store, text, parsePolicy(text, { principal: 'required' }), { keepMissing: true })) ?? text;
}
