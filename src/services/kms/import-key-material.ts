import type { ImportKeyMaterialRequest } from '../../model/kms-types.js';
import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import type { KmsKey } from '../../domain/key.js';
import { unwrapKeyMaterial } from '../../crypto/key-unwrap.js';
import {
  ExpiredImportTokenException,
  IncorrectKeyMaterialException,
  InvalidCiphertextException,
  InvalidImportTokenException,
  KMSInvalidStateException,
  UnsupportedOperationException,
  ValidationException,
} from '../../errors/aws-error.js';
import type { KeyReads, StoredKeyMaterial } from '../../store/ports.js';
import type { CallContext } from '../../domain/call-context.js';
import {
  assertExternal,
  exposesMaterialId,
  importedMaterialId,
  lifecycleAfterImportChange,
  materialFingerprint,
  materialForSpec,
  mergeMaterials,
  sameFingerprint,
} from './imported-material.js';
import { openImportToken } from './import-token.js';
import { changeKey } from './key-transaction.js';
import { materialAad, type KmsService } from './kms-service.js';
import { defineOperation, type KmsHandler } from './operation.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** ExpirationModel and ValidTo (ImportKeyMaterial): the model defaults to KEY_MATERIAL_EXPIRES. */
function expirationOf(input: ImportKeyMaterialRequest, now: number): Pick<StoredKeyMaterial, 'expirationModel' | 'validTo'> {
  // The reader admitted only the model's ExpirationModelType values.
  const model = (input.ExpirationModel ?? 'KEY_MATERIAL_EXPIRES') as NonNullable<StoredKeyMaterial['expirationModel']>;
  const validTo: Date | undefined = input.ValidTo;
  if (model === 'KEY_MATERIAL_DOES_NOT_EXPIRE') {
    // Unverified: AWS's message.
    if (validTo) throw ValidationException('The parameter ValidTo cannot be specified for a key with an expiration model of KEY_MATERIAL_DOES_NOT_EXPIRE');
    return { expirationModel: model };
  }
  // AWS's response when ValidTo is missing (kms-errors.md, LocalStack snapshot test_import_key_symmetric).
  if (!validTo) throw ValidationException('A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES');
  // "The value of this parameter must be a future date and time. The maximum value is 365 days from the request date."
  // Unverified: AWS's messages.
  if (validTo.getTime() <= now) throw ValidationException('ValidTo must be in the future');
  if (validTo.getTime() > now + 365 * DAY_MS) throw ValidationException('ValidTo must be no more than 365 days from the request date');
  return { expirationModel: model, validTo };
}

/** ImportType, KeyMaterialId and KeyMaterialDescription are "only usable with symmetric encryption keys". */
function assertImportParameters(key: KmsKey, input: ImportKeyMaterialRequest): void {
  // Unverified: AWS's exception and messages for these refusals.
  if (!exposesMaterialId(key)) {
    for (const name of ['ImportType', 'KeyMaterialId', 'KeyMaterialDescription'] as const) {
      if (input[name] !== undefined) throw ValidationException(`${name} is only valid for symmetric encryption KMS keys.`);
    }
  }
  if (input.KeyMaterialId !== undefined && input.ImportType === 'NEW_KEY_MATERIAL') {
    throw ValidationException('You cannot specify a KeyMaterialId when the ImportType is NEW_KEY_MATERIAL.');
  }
}

/** The key material inside the request, checked against the token and the key spec. The caller wipes it. */
function unwrapRequest(key: KmsKey, input: ImportKeyMaterialRequest, ctx: CallContext, kms: KmsService): Buffer {
  const params = openImportToken(kms.keyring, key.arn, input.ImportToken);
  // Unverified: AWS's messages for the two token exceptions.
  if (!params) throw InvalidImportTokenException('The import token is invalid or was issued for another KMS key.');
  try {
    if (params.validTo.getTime() <= ctx.clock.now().getTime()) {
      throw ExpiredImportTokenException('The import token has expired. Call GetParametersForImport for a new public key and import token.');
    }
    const raw = unwrapKeyMaterial(params.wrappingAlgorithm, params.privateKey, input.EncryptedKeyMaterial);
    if (!raw) throw InvalidCiphertextException();
    const material = materialForSpec(key, raw);
    raw.fill(0);
    // Unverified: AWS's message.
    if (!material) throw IncorrectKeyMaterialException(`The key material is not valid for a KMS key with key spec ${key.keySpec}.`);
    return material;
  } finally {
    params.privateKey.fill(0);
  }
}

// Unverified: AWS's messages for IncorrectKeyMaterialException below.
const notSameMaterial = () => IncorrectKeyMaterialException('The key material does not match the key material previously imported into this KMS key.');

/** The materials a key may take again: its own, and for a replica Region key its primary's. */
function knownMaterial(reads: KeyReads, key: KmsKey, materials: StoredKeyMaterial[], id: string): StoredKeyMaterial | undefined {
  const own = materials.find((m) => m.keyMaterialId === id);
  if (own || !isReplica(key)) return own;
  const primary = reads.listMaterials({ account: key.account, region: key.primaryRegion!, keyId: key.keyId });
  return primary.find((m) => m.keyMaterialId === id);
}

const isReplica = (key: KmsKey) => key.multiRegion && key.primaryRegion !== undefined && key.primaryRegion !== key.region;

/**
 * Whether the material may be imported as the request asks. EXISTING_KEY_MATERIAL must bring
 * material already associated with the key (the computed KeyMaterialId, and the KeyMaterialId
 * parameter when given, must match it); NEW_KEY_MATERIAL must bring material the key does not
 * have. A replica Region key takes only material of its primary key ("ImportType").
 */
function assertImportType(key: KmsKey, input: ImportKeyMaterialRequest, importType: string, materials: StoredKeyMaterial[], known: StoredKeyMaterial | undefined, id: string, fingerprint: Buffer): void {
  if (importType === 'EXISTING_KEY_MATERIAL' || isReplica(key)) {
    if (!known || !sameFingerprint(known.fingerprint, fingerprint)) throw notSameMaterial();
    if (input.KeyMaterialId !== undefined && input.KeyMaterialId !== id) throw notSameMaterial();
    return;
  }
  if (known) throw IncorrectKeyMaterialException('This key material is already associated with the KMS key. Import it with ImportType EXISTING_KEY_MATERIAL.');
  if (materials.length === 0) return;
  // Only single-Region symmetric encryption keys take further material, for RotateKeyOnDemand.
  // Unverified: AWS's message.
  if (key.multiRegion) throw UnsupportedOperationException(`${key.arn} is a multi-Region key; its key material cannot be changed after the initial import.`);
  const pending = materials.find((m) => m.pendingRotation && m.wrapped !== undefined);
  // Unverified: the message follows LocalStack's KMS provider.
  if (pending) {
    throw KMSInvalidStateException(
      `New key material (id: ${id}) cannot be imported into KMS key ${key.arn}, because another key material (id: ${pending.keyMaterialId}) is pending rotation.`,
    );
  }
}

/**
 * ImportKeyMaterial: opens the import token, unwraps the material, checks it against the key spec
 * and the key's earlier materials, and stores it wrapped under the root key with its keyed
 * fingerprint. The first material becomes current; new material imported into a key that has one
 * waits with pendingRotation until RotateKeyOnDemand.
 */
export const importKeyMaterial: KmsHandler<'ImportKeyMaterial'> = async (input, ctx, kms) => {
  const key = await kms.resolveKey(ctx, input.KeyId, { op: ImportKeyMaterial, input });
  assertExternal(key);
  const now = ctx.clock.now();
  const expiration = expirationOf(input, now.getTime());
  assertImportParameters(key, input);
  const material = unwrapRequest(key, input, ctx, kms);
  try {
    const id = importedMaterialId(kms.keyring, key, material);
    const fingerprint = materialFingerprint(kms.keyring, key, material);
    // Decided and written on the key and its materials as committed now (issue 11, finding 2).
    await changeKey(kms, key, ImportKeyMaterial, (fresh, reads) => {
      const materials = reads.listMaterials(fresh);
      const own = materials.find((m) => m.keyMaterialId === id);
      const known = knownMaterial(reads, fresh, materials, id);
      // "If no key material has ever been imported into the KMS key … defaults to NEW_KEY_MATERIAL.
      // After the first key material is imported … defaults to EXISTING_KEY_MATERIAL."
      const importType: string = input.ImportType ?? (materials.length === 0 ? 'NEW_KEY_MATERIAL' : 'EXISTING_KEY_MATERIAL');
      assertImportType(fresh, input, importType, materials, known, id, fingerprint);
      const forRotation = own === undefined && materials.length > 0;
      const row: StoredKeyMaterial = {
        keyMaterialId: id,
        createdAt: own?.createdAt ?? now,
        rotationType: own?.rotationType,
        pendingRotation: own ? own.pendingRotation : forRotation || undefined,
        importState: 'IMPORTED',
        ...expiration,
        // "If you do not specify a key material description, KMS retains the value you specified when you last imported the same key material."
        description: input.KeyMaterialDescription ?? own?.description,
        wrapped: kms.keyring.wrap(material, materialAad(fresh.arn, id)),
        fingerprint,
      };
      const updated: KmsKey = { ...fresh, currentKeyMaterialId: fresh.currentKeyMaterialId ?? id };
      updated.lifecycle = lifecycleAfterImportChange(updated, mergeMaterials(materials, [row]));
      return [{ key: updated, materials: [row] }];
    });
    return { KeyId: key.arn, KeyMaterialId: exposesMaterialId(key) ? id : undefined };
  } finally {
    material.fill(0);
  }
};

export const ImportKeyMaterial = defineOperation({
  facts: KMS_OPERATION_FACTS.ImportKeyMaterial,
  aliases: false,
  readOnly: false,
  handler: importKeyMaterial,
});
