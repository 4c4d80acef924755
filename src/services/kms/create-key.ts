import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { keyArn } from '../../domain/arn.js';
import { KEY_MATERIAL_ID_BYTES } from '../../domain/ciphertext.js';
import type { KeyUsage, KmsKey, Origin } from '../../domain/key.js';
import { defaultKeyPolicy, LOCKOUT_MESSAGE, validateKeyPolicy } from '../../domain/key-policy.js';
import { KEY_SPECS, specAvailableIn } from '../../domain/key-specs.js';
import { tagsFromList } from '../../domain/tags.js';
import { generateDerKeyPair } from '../../crypto/key-pairs.js';
import { MalformedPolicyDocumentException, UnsupportedOperationException, ValidationException } from '../../errors/aws-error.js';
import { keyMetadata, keyMetadataDetails } from './key-metadata.js';
import { materialAad } from './kms-service.js';
import { bindKeyPolicy } from './key-policy-principals.js';
import { defineOperation, type KmsHandler } from './operation.js';

export const createKey: KmsHandler<'CreateKey'> = async (input, ctx, kms) => {
  if (input.KeySpec !== undefined && input.CustomerMasterKeySpec !== undefined) {
    throw ValidationException('You cannot specify both KeySpec and CustomerMasterKeySpec.');
  }
  const keySpec: string = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
  const spec = KEY_SPECS[keySpec];
  if (input.KeyUsage === undefined && keySpec !== 'SYMMETRIC_DEFAULT') {
    throw ValidationException('You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
  }
  // The reader admitted only the model's enum values (KeyUsageType, OriginType): the domain's unions.
  const keyUsage = (input.KeyUsage ?? 'ENCRYPT_DECRYPT') as KeyUsage;
  if (!specAvailableIn(spec, ctx.region)) throw UnsupportedOperationException(`KeySpec ${keySpec} is not supported in this Region`);
  if (!spec.usages.includes(keyUsage)) throw ValidationException(`KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`);
  if (!spec.implemented) throw UnsupportedOperationException(`KeySpec ${keySpec} is not supported by Locksmith yet.`);
  const origin = (input.Origin ?? 'AWS_KMS') as Origin;
  if (input.CustomKeyStoreId !== undefined || input.XksKeyId !== undefined || origin === 'AWS_CLOUDHSM' || origin === 'EXTERNAL_KEY_STORE') {
    throw UnsupportedOperationException('Custom key stores are not supported by Locksmith.');
  }
  const external = origin === 'EXTERNAL';
  const multiRegion = input.MultiRegion === true;
  await kms.authorizer.authorizeIdentity(ctx, CreateKey.name, '*', input);
  const tags = tagsFromList(input.Tags ?? []);
  let policy: string = input.Policy ?? defaultKeyPolicy(ctx.account);
  if (input.Policy !== undefined) {
    validateKeyPolicy(policy);
    policy = await bindKeyPolicy(kms.store, policy);
  }

  const now = ctx.clock.now();
  // Multi-Region key ids are mrk- and 32 hex digits; the same id in every region.
  const keyId = multiRegion ? `mrk-${ctx.random.bytes(16).toString('hex')}` : ctx.random.uuid();
  // An EXTERNAL key has no material until ImportKeyMaterial.
  const keyMaterialId = external ? undefined : ctx.random.bytes(KEY_MATERIAL_ID_BYTES).toString('hex');
  const key: KmsKey = {
    account: ctx.account,
    region: ctx.region,
    keyId,
    arn: keyArn(ctx.region, ctx.account, keyId),
    creationDate: now,
    description: input.Description ?? '',
    keyUsage,
    keySpec,
    origin,
    keyManager: 'CUSTOMER',
    multiRegion,
    lifecycle: { state: external ? 'PendingImport' : 'Enabled' },
    policy,
    currentKeyMaterialId: keyMaterialId,
    primaryRegion: multiRegion ? ctx.region : undefined,
  };
  if (input.Policy !== undefined && input.BypassPolicyLockoutSafetyCheck !== true && !(await kms.authorizer.allowsPolicyUpdate(ctx, key, input))) {
    throw MalformedPolicyDocumentException(LOCKOUT_MESSAGE);
  }
  if (keyMaterialId === undefined) {
    await kms.store.keys.create(key, [], tags);
  } else {
    // Key pairs: the material is the PKCS#8 private key, wrapped like symmetric material.
    const secret = spec.keyPair ? (await generateDerKeyPair(spec.keyPair)).privateKey : ctx.random.bytes(spec.symmetricKeyBytes!);
    const wrapped = kms.keyring.wrap(secret, materialAad(key.arn, keyMaterialId));
    secret.fill(0);
    await kms.store.keys.create(key, [{ keyMaterialId, createdAt: now, wrapped }], tags);
  }
  return { KeyMetadata: keyMetadata(key, await keyMetadataDetails(kms.store.keys, key)) };
};

export const CreateKey = defineOperation({
  facts: KMS_OPERATION_FACTS.CreateKey,
  aliases: false,
  readOnly: false,
  handler: createKey,
});
