/**
 * The key-mutating KMS operations of the adversarial concurrency suite, as random calls against
 * one round's keys, each with what it writes when acknowledged (see linearizability.ts):
 * - key A (AWS_KMS): policy, description, state (Enable/Disable/Schedule/CancelKeyDeletion),
 *   rotation settings, on-demand rotations, tags, aliases (to A or B), grants;
 * - key E (EXTERNAL): policy, description, tags, imported material (Import/DeleteImported),
 *   pending deletion (Schedule/Cancel), Enable/Disable; Encrypt on both as a reader that must never 5xx.
 */
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  DeleteAliasCommand,
  DeleteImportedKeyMaterialCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  type KMSClient,
  PutKeyPolicyCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
} from '@aws-sdk/client-kms';
import { constants, createPublicKey, publicEncrypt } from 'node:crypto';
import type { Prng } from './prng.js';

export interface RoundKeys {
  account: string;
  a: string;
  b: string;
  e: string;
  /** The 32 bytes imported into E (re-imports bring the same material). */
  material: Buffer;
  aliases: string[];
  tagKeys: string[];
  /** Grants created on A and acknowledged, for Revoke/Retire to pick from; shared by the clients. */
  grants: string[];
}

export interface Mutation {
  op: string;
  writes: Record<string, unknown>;
  /** The grant a RevokeGrant or RetireGrant removes. */
  grantId?: string;
  /** Sends the call; resolves with the SDK answer (its $metadata has the request id). */
  send(kms: KMSClient): Promise<unknown>;
  /** Runs after the call was acknowledged. */
  onAck?(answer: unknown): void;
}

export const policyDocument = (account: string, id: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Id: id,
    Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }],
  });

/** Wraps `material` for ImportKeyMaterial with fresh import parameters of `keyId`. */
export async function importMaterial(kms: KMSClient, keyId: string, material: Buffer): Promise<unknown> {
  const p = await kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
  const publicKey = createPublicKey({ key: Buffer.from(p.PublicKey!), format: 'der', type: 'spki' });
  const EncryptedKeyMaterial = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, material);
  return kms.send(new ImportKeyMaterialCommand({ KeyId: keyId, ImportToken: p.ImportToken, EncryptedKeyMaterial, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }));
}

type Maker = (k: RoundKeys, rng: Prng, tag: string) => Mutation;

const onKey = (rng: Prng, k: RoundKeys): ['A' | 'E', string] => (rng.chance(0.6) ? ['A', k.a] : ['E', k.e]);

/** Every mutation kind with its weight; `tag` makes written values unique per call. */
const MAKERS: [number, Maker][] = [
  [3, (k, rng, tag) => {
    const [name, KeyId] = onKey(rng, k);
    return { op: `PutKeyPolicy(${name})`, writes: { [`${name}.policy`]: tag }, send: (c) => c.send(new PutKeyPolicyCommand({ KeyId, PolicyName: 'default', Policy: policyDocument(k.account, tag) })) };
  }],
  [2, (k, rng, tag) => {
    const [name, KeyId] = onKey(rng, k);
    return { op: `UpdateKeyDescription(${name})`, writes: { [`${name}.description`]: tag }, send: (c) => c.send(new UpdateKeyDescriptionCommand({ KeyId, Description: tag })) };
  }],
  [2, (k) => ({ op: 'EnableKey(A)', writes: { 'A.state': 'Enabled' }, send: (c) => c.send(new EnableKeyCommand({ KeyId: k.a })) })],
  [2, (k) => ({ op: 'DisableKey(A)', writes: { 'A.state': 'Disabled' }, send: (c) => c.send(new DisableKeyCommand({ KeyId: k.a })) })],
  [1, (k) => ({ op: 'ScheduleKeyDeletion(A)', writes: { 'A.state': 'PendingDeletion' }, send: (c) => c.send(new ScheduleKeyDeletionCommand({ KeyId: k.a, PendingWindowInDays: 30 })) })],
  // Cancel more often than Schedule, so the keys are not pending deletion most of the round.
  [3, (k) => ({ op: 'CancelKeyDeletion(A)', writes: { 'A.state': 'Disabled' }, send: (c) => c.send(new CancelKeyDeletionCommand({ KeyId: k.a })) })],
  [2, (k, rng) => {
    const period = rng.int(90, 2560);
    return { op: 'EnableKeyRotation(A)', writes: { 'A.rotation': period }, send: (c) => c.send(new EnableKeyRotationCommand({ KeyId: k.a, RotationPeriodInDays: period })) };
  }],
  [1, (k) => ({ op: 'DisableKeyRotation(A)', writes: { 'A.rotation': 0 }, send: (c) => c.send(new DisableKeyRotationCommand({ KeyId: k.a })) })],
  [3, (k) => ({ op: 'RotateKeyOnDemand(A)', writes: {}, send: (c) => c.send(new RotateKeyOnDemandCommand({ KeyId: k.a })) })],
  [3, (k, rng, tag) => {
    const [name, KeyId] = onKey(rng, k);
    const TagKey = rng.pick(k.tagKeys);
    return { op: `TagResource(${name})`, writes: { [`${name}.tag.${TagKey}`]: tag }, send: (c) => c.send(new TagResourceCommand({ KeyId, Tags: [{ TagKey, TagValue: tag }] })) };
  }],
  [2, (k, rng) => {
    const [name, KeyId] = onKey(rng, k);
    const TagKey = rng.pick(k.tagKeys);
    return { op: `UntagResource(${name})`, writes: { [`${name}.tag.${TagKey}`]: undefined }, send: (c) => c.send(new UntagResourceCommand({ KeyId, TagKeys: [TagKey] })) };
  }],
  [2, (k, rng) => {
    const AliasName = rng.pick(k.aliases);
    const target = rng.pick([k.a, k.b]);
    return { op: 'CreateAlias', writes: { [`alias.${AliasName}`]: target }, send: (c) => c.send(new CreateAliasCommand({ AliasName, TargetKeyId: target })) };
  }],
  [2, (k, rng) => {
    const AliasName = rng.pick(k.aliases);
    const target = rng.pick([k.a, k.b]);
    return { op: 'UpdateAlias', writes: { [`alias.${AliasName}`]: target }, send: (c) => c.send(new UpdateAliasCommand({ AliasName, TargetKeyId: target })) };
  }],
  [1, (k, rng) => {
    const AliasName = rng.pick(k.aliases);
    return { op: 'DeleteAlias', writes: { [`alias.${AliasName}`]: undefined }, send: (c) => c.send(new DeleteAliasCommand({ AliasName })) };
  }],
  [2, (k) => ({
    op: 'CreateGrant(A)',
    writes: {},
    send: (c) =>
      c.send(new CreateGrantCommand({ KeyId: k.a, GranteePrincipal: `arn:aws:iam::${k.account}:root`, RetiringPrincipal: `arn:aws:iam::${k.account}:root`, Operations: ['Encrypt'] })),
    onAck: (answer) => k.grants.push((answer as { GrantId: string }).GrantId),
  })],
  [1, (k, rng) => {
    const GrantId = k.grants.length > 0 ? rng.pick(k.grants) : 'f'.repeat(64);
    return { op: 'RevokeGrant(A)', writes: {}, grantId: GrantId, send: (c) => c.send(new RevokeGrantCommand({ KeyId: k.a, GrantId })) };
  }],
  [1, (k, rng) => {
    const GrantId = k.grants.length > 0 ? rng.pick(k.grants) : 'f'.repeat(64);
    return { op: 'RetireGrant(A)', writes: {}, grantId: GrantId, send: (c) => c.send(new RetireGrantCommand({ KeyId: k.a, GrantId })) };
  }],
  [1, (k) => ({ op: 'ImportKeyMaterial(E)', writes: { 'E.material': true }, send: (c) => importMaterial(c, k.e, k.material) })],
  [1, (k) => ({ op: 'DeleteImportedKeyMaterial(E)', writes: { 'E.material': false }, send: (c) => c.send(new DeleteImportedKeyMaterialCommand({ KeyId: k.e })) })],
  [1, (k) => ({ op: 'ScheduleKeyDeletion(E)', writes: { 'E.pending': true }, send: (c) => c.send(new ScheduleKeyDeletionCommand({ KeyId: k.e, PendingWindowInDays: 30 })) })],
  [3, (k) => ({ op: 'CancelKeyDeletion(E)', writes: { 'E.pending': false }, send: (c) => c.send(new CancelKeyDeletionCommand({ KeyId: k.e })) })],
  [1, (k) => ({ op: 'EnableKey(E)', writes: {}, send: (c) => c.send(new EnableKeyCommand({ KeyId: k.e })) })],
  [1, (k) => ({ op: 'DisableKey(E)', writes: {}, send: (c) => c.send(new DisableKeyCommand({ KeyId: k.e })) })],
  [2, (k, rng) => {
    const [name, KeyId] = onKey(rng, k);
    return { op: `Encrypt(${name})`, writes: {}, send: (c) => c.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('adversarial') })) };
  }],
];

const TOTAL_WEIGHT = MAKERS.reduce((sum, [w]) => sum + w, 0);

/** One random mutation of the round's keys. */
export function randomMutation(k: RoundKeys, rng: Prng, tag: string): Mutation {
  let n = rng.int(0, TOTAL_WEIGHT - 1);
  for (const [weight, make] of MAKERS) {
    if (n < weight) return make(k, rng, tag);
    n -= weight;
  }
  throw new Error('unreachable');
}
