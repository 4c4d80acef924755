import type { CreateKeyRequest, ReplicateKeyRequest } from '../../model/kms-types.js';
import { KMS_OPERATION_FACTS } from '../../model/kms-operation-facts.js';
import { kmsServiceEvent } from '../../audit/event-builder.js';
import { keyArn } from '../../domain/arn.js';
import type { KmsKey } from '../../domain/key.js';
import { defaultKeyPolicy, LOCKOUT_MESSAGE, validateKeyPolicy } from '../../domain/key-policy.js';
import { tagsFromList, tagsToList } from '../../domain/tags.js';
import { AlreadyExistsException, MalformedPolicyDocumentException, UnsupportedOperationException } from '../../errors/aws-error.js';
import type { StoredKeyMaterial } from '../../store/ports.js';
import type { CallContext } from '../../domain/call-context.js';
import { keyMetadata, keyMetadataDetails } from './key-metadata.js';
import { bindKeyPolicy } from './key-policy-principals.js';
import { materialAad, type KmsService } from './kms-service.js';
import { assertMultiRegionPrimary } from './multi-region.js';
import { defineOperation, type KmsHandler } from './operation.js';
import { creatingUntil } from './transient-key-states.js';

/**
 * ReplicateKey (API reference): a new copy of a Multi-Region primary key in another region of the
 * same account, with the same key id, key material, key spec, key usage, origin and rotation
 * schedule, and its own key policy, description, tags and key state. The replica region is just
 * another region of this Locksmith; the request's model pattern already checked its form.
 */
export const replicateKey: KmsHandler<'ReplicateKey'> = async (input, ctx, kms) => {
  const replicaRegion: string = input.ReplicaRegion;
  // kms:ReplicateKey on the primary, in its key policy (kms:ReplicaRegion: "AWS KMS condition keys").
  const primary = await kms.resolveKey(ctx, input.KeyId, {
    op: ReplicateKey,
    input,
    extraConditions: () => ({ 'kms:ReplicaRegion': replicaRegion }),
  });
  assertMultiRegionPrimary(primary);
  if (replicaRegion === primary.region) {
    // Unverified: exception name and text.
    throw UnsupportedOperationException(`${replicaRegion} cannot have a replica because it contains the primary.`);
  }
  const arn = keyArn(replicaRegion, primary.account, primary.keyId);
  const assertNoReplica = async () => {
    const copies = await kms.store.keys.regionsOf(primary.account, primary.keyId);
    // Unverified: message text.
    if (copies.some((k) => k.region === replicaRegion)) throw AlreadyExistsException(`${arn} already exists.`);
  };
  await assertNoReplica();

  // kms:CreateKey (and kms:TagResource for Tags) in an IAM policy, in the replica region.
  const replicaCtx: CallContext = { ...ctx, region: replicaRegion };
  await kms.authorizer.authorizeIdentity(replicaCtx, 'CreateKey', '*', createKeyInput(primary, input));
  if (Array.isArray(input.Tags) && input.Tags.length > 0) {
    await kms.authorizer.authorizeIdentity(replicaCtx, 'TagResource', arn, { KeyId: arn, Tags: input.Tags });
  }
  const tags = tagsFromList(input.Tags ?? []);
  const policy: string = input.Policy ?? defaultKeyPolicy(primary.account);
  if (input.Policy !== undefined) validateKeyPolicy(policy);
  const stored = input.Policy === undefined ? policy : await bindKeyPolicy(kms.store, policy);

  const replica: KmsKey = {
    account: primary.account,
    region: replicaRegion,
    keyId: primary.keyId,
    arn,
    creationDate: ctx.clock.now(),
    description: input.Description ?? '',
    keyUsage: primary.keyUsage,
    keySpec: primary.keySpec,
    origin: primary.origin,
    keyManager: primary.keyManager,
    multiRegion: true,
    // Creating for a few seconds, then Enabled, or PendingImport for imported material (transient-key-states.ts).
    lifecycle: creatingUntil(ctx.clock.now()),
    policy: stored,
    currentKeyMaterialId: primary.currentKeyMaterialId,
    rotation: primary.rotation,
    primaryRegion: primary.region,
  };
  if (input.Policy !== undefined && input.BypassPolicyLockoutSafetyCheck !== true && !(await kms.authorizer.allowsPolicyUpdate(replicaCtx, replica, input))) {
    throw MalformedPolicyDocumentException(LOCKOUT_MESSAGE);
  }
  const materials = await replicaMaterials(kms, primary, replica);
  await assertNoReplica();
  // "A ReplicateKey request results in a ReplicateKey operation and a CreateKey operation" (KMS
  // Developer Guide, "ReplicateKey" CloudTrail example, whose replica is Creating, enabled false):
  // the CreateKey event goes to the replica's Region, committed before the replica exists.
  // Unverified: that event's fields; recorded as a KMS service event.
  await kms.audit?.record([kmsServiceEvent(replica, 'CreateKey', replica.creationDate, ctx.random)]);
  await kms.store.keys.create(replica, materials, tags);
  return {
    ReplicaKeyMetadata: keyMetadata(replica, await keyMetadataDetails(kms.store.keys, replica)),
    ReplicaPolicy: policy,
    // AWS omits ReplicaTags when there are none (LocalStack's AWS-recorded test_replicate_key snapshot).
    ReplicaTags: Object.keys(tags).length > 0 ? tagsToList(tags) : undefined,
  };
};

/** The CreateKey request the replica amounts to, for the condition keys of the kms:CreateKey check. */
function createKeyInput(primary: KmsKey, input: ReplicateKeyRequest): CreateKeyRequest {
  return {
    KeySpec: primary.keySpec,
    KeyUsage: primary.keyUsage,
    Origin: primary.origin,
    MultiRegion: true,
    Tags: input.Tags,
    BypassPolicyLockoutSafetyCheck: input.BypassPolicyLockoutSafetyCheck,
  };
}

/**
 * Every material of the primary, re-wrapped for the replica's ARN. Imported material is not
 * copied: the replica waits in PendingImport for the same material (ReplicateKey API reference),
 * keeping each material's id and fingerprint so only those bytes can be imported.
 */
async function replicaMaterials(kms: KmsService, primary: KmsKey, replica: KmsKey): Promise<StoredKeyMaterial[]> {
  const out: StoredKeyMaterial[] = [];
  for (const m of await kms.store.keys.listMaterials(primary)) {
    if (replica.origin === 'EXTERNAL') {
      const { wrapped: _wrapped, validTo: _validTo, expirationModel: _model, ...rest } = m;
      out.push({ ...rest, importState: 'PENDING_IMPORT' });
      continue;
    }
    if (!m.wrapped) {
      out.push({ ...m });
      continue;
    }
    const secret = kms.keyring.unwrap(m.wrapped, materialAad(primary.arn, m.keyMaterialId));
    try {
      out.push({ ...m, wrapped: kms.keyring.wrap(secret, materialAad(replica.arn, m.keyMaterialId)) });
    } finally {
      secret.fill(0);
    }
  }
  return out;
}

export const ReplicateKey = defineOperation({
  facts: KMS_OPERATION_FACTS.ReplicateKey,
  aliases: false,
  readOnly: false,
  handler: replicateKey,
});
