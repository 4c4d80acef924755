/**
 * Imported key material (BYOK): CreateKey Origin EXTERNAL, GetParametersForImport,
 * ImportKeyMaterial, DeleteImportedKeyMaterial and the expiry of material at its ValidTo. Every
 * wrap is made outside Locksmith (node:crypto, and once the openssl CLI) with the returned public
 * key, and every import is proven to be the key in use by checking Locksmith's output with the
 * same bytes held locally: its AES-GCM ciphertext opens with node:crypto, its HMACs equal
 * createHmac, its signatures verify with the locally held public key.
 */
import {
  CreateKeyCommand,
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateMacCommand,
  GetParametersForImportCommand,
  GetPublicKeyCommand,
  ImportKeyMaterialCommand,
  ReplicateKeyCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  type AlgorithmSpec,
  type ImportKeyMaterialCommandInput,
  type KeySpec,
  type KeyUsageType,
  type MacAlgorithmSpec,
  type WrappingKeySpec,
} from '@aws-sdk/client-kms';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, createCipheriv, createDecipheriv, createHmac, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { storedRows } from './audit-helpers.js';
import { REPLICA_CREATING_MS } from '../../src/services/kms/transient-key-states.js';
import { ACCOUNT, awsError, Harness } from './harness.js';

const HOUR = 60 * 60 * 1000;
const ALGORITHMS: Record<string, 'sha1' | 'sha256'> = {
  RSAES_OAEP_SHA_1: 'sha1',
  RSAES_OAEP_SHA_256: 'sha256',
  RSA_AES_KEY_WRAP_SHA_1: 'sha1',
  RSA_AES_KEY_WRAP_SHA_256: 'sha256',
};

/** Wraps key material as a client does: RSAES-OAEP, or RSA-OAEP of a fresh AES key + AES-KWP (RFC 5649). */
function wrap(publicKeyDer: Uint8Array, algorithm: string, material: Buffer): Buffer {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  const rsa = (data: Buffer) => publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: ALGORITHMS[algorithm] }, data);
  if (!algorithm.startsWith('RSA_AES')) return rsa(material);
  const aesKey = randomBytes(32);
  const kwp = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
  return Buffer.concat([rsa(aesKey), kwp.update(material), kwp.final()]);
}

/** Locksmith ciphertext v1 (src/domain/ciphertext.ts): header | IV (12) | tag (16) | body; AAD = header | u32 context pairs. */
function openLocally(blob: Uint8Array, aesKey: Buffer): Buffer {
  const b = Buffer.from(blob);
  const headerEnd = 14 + b[13]! + 32;
  const decipher = createDecipheriv('aes-256-gcm', aesKey, b.subarray(headerEnd, headerEnd + 12));
  decipher.setAAD(Buffer.concat([b.subarray(0, headerEnd), Buffer.alloc(4)]));
  decipher.setAuthTag(b.subarray(headerEnd + 12, headerEnd + 28));
  return Buffer.concat([decipher.update(b.subarray(headerEnd + 28)), decipher.final()]);
}

function sealLocally(keyId: string, keyMaterialId: string, aesKey: Buffer, plaintext: Buffer): Buffer {
  const header = Buffer.concat([Buffer.from([1]), Buffer.from(ACCOUNT), Buffer.from([keyId.length]), Buffer.from(keyId), Buffer.from(keyMaterialId, 'hex')]);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
  cipher.setAAD(Buffer.concat([header, Buffer.alloc(4)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), body]);
}

const nameAndMessage = (e: { name: string; message: string }) => [e.name, e.message];
const materialIdOf = (blob: Uint8Array) => Buffer.from(blob).subarray(14 + blob[13]!, 14 + blob[13]! + 32).toString('hex');

describe('imported key material (BYOK)', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => h.stop());

  const createExternal = async (KeySpec: KeySpec = 'SYMMETRIC_DEFAULT', KeyUsage?: KeyUsageType) =>
    (await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', KeySpec, KeyUsage }))).KeyMetadata!;
  const params = (KeyId: string, algorithm = 'RSAES_OAEP_SHA_256', spec = 'RSA_2048') =>
    h.kms.send(new GetParametersForImportCommand({ KeyId, WrappingAlgorithm: algorithm as AlgorithmSpec, WrappingKeySpec: spec as WrappingKeySpec }));
  const metadata = async (KeyId: string) => (await h.kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata!;
  const NO_EXPIRY = { ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' } as const;
  async function importMaterial(KeyId: string, material: Buffer, extra: Partial<ImportKeyMaterialCommandInput> = NO_EXPIRY, algorithm = 'RSAES_OAEP_SHA_256') {
    const p = await params(KeyId, algorithm);
    return h.kms.send(new ImportKeyMaterialCommand({ KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrap(p.PublicKey!, algorithm, material), ...extra }));
  }
  const encrypt = async (KeyId: string, text = 'imported') => (await h.kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from(text) }))).CiphertextBlob!;
  const decrypt = async (CiphertextBlob: Uint8Array) => Buffer.from((await h.kms.send(new DecryptCommand({ CiphertextBlob }))).Plaintext!).toString();

  it('CreateKey Origin EXTERNAL is PendingImport; GetParametersForImport returns an RSA SPKI of the asked size, a token and 24 hours', async () => {
    const key = await createExternal();
    assert.deepEqual([key.KeyState, key.Enabled, key.Origin, key.ExpirationModel], ['PendingImport', false, 'EXTERNAL', undefined]);
    assert.equal((await metadata(key.KeyId!)).KeyState, 'PendingImport');
    assert.equal((await awsError(() => encrypt(key.KeyId!))).message, `${key.Arn} is pending import.`);
    for (const [spec, bits] of [['RSA_2048', 2048], ['RSA_3072', 3072], ['RSA_4096', 4096]] as const) {
      const p = await params(key.KeyId!, 'RSA_AES_KEY_WRAP_SHA_256', spec);
      const pub = createPublicKey({ key: Buffer.from(p.PublicKey!), format: 'der', type: 'spki' });
      assert.deepEqual([p.KeyId, pub.asymmetricKeyType, pub.asymmetricKeyDetails?.modulusLength], [key.Arn, 'rsa', bits]);
      assert.ok(p.ImportToken!.length <= 6144, `token of ${p.ImportToken!.length} bytes`);
      assert.ok(Math.abs(p.ParametersValidTo!.getTime() - (h.clock.now().getTime() + 24 * HOUR)) < 1000);
    }
  });

  it('GetParametersForImport refuses AWS_KMS keys, RSAES_PKCS1_V1_5, SM2 outside China, and RSAES_OAEP for RSA key material', async () => {
    const own = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    assert.deepEqual(nameAndMessage(await awsError(() => params(own.KeyId!))), ['UnsupportedOperationException', `${own.Arn} origin is AWS_KMS which is not valid for this operation.`]);
    const key = await createExternal();
    assert.equal((await awsError(() => params(key.KeyId!, 'RSAES_PKCS1_V1_5'))).name, 'ValidationException');
    assert.deepEqual(nameAndMessage(await awsError(() => params(key.KeyId!, 'SM2PKE', 'SM2'))), ['UnsupportedOperationException', 'WrappingKeySpec SM2 is not supported in this Region']);
    const rsa = await createExternal('RSA_2048', 'SIGN_VERIFY');
    assert.equal((await awsError(() => params(rsa.KeyId!, 'RSAES_OAEP_SHA_256'))).name, 'ValidationException');
    const p521 = await createExternal('ECC_NIST_P521', 'SIGN_VERIFY');
    assert.equal((await awsError(() => params(p521.KeyId!, 'RSAES_OAEP_SHA_1', 'RSA_2048'))).name, 'ValidationException');
    assert.ok((await params(p521.KeyId!, 'RSAES_OAEP_SHA_1', 'RSA_3072')).ImportToken);
  });

  it('each wrapping algorithm imports 32 random bytes; the key is Enabled and encrypts', async () => {
    for (const algorithm of Object.keys(ALGORITHMS)) {
      const key = await createExternal();
      const out = await importMaterial(key.KeyId!, randomBytes(32), NO_EXPIRY, algorithm);
      assert.equal(out.KeyId, key.Arn);
      assert.match(out.KeyMaterialId!, /^[0-9a-f]{64}$/);
      const md = await metadata(key.KeyId!);
      assert.deepEqual([md.KeyState, md.Enabled, md.ExpirationModel, md.ValidTo, md.CurrentKeyMaterialId], ['Enabled', true, 'KEY_MATERIAL_DOES_NOT_EXPIRE', undefined, out.KeyMaterialId]);
      assert.equal(await decrypt(await encrypt(key.KeyId!, algorithm)), algorithm);
    }
  });

  it('a wrap made by the openssl CLI (pkeyutl, OAEP SHA-256) imports too', async () => {
    const key = await createExternal();
    const material = randomBytes(32);
    const p = await params(key.KeyId!, 'RSAES_OAEP_SHA_256');
    const dir = mkdtempSync(join(tmpdir(), 'locksmith-import-'));
    try {
      writeFileSync(join(dir, 'pub.der'), p.PublicKey!);
      writeFileSync(join(dir, 'material.bin'), material);
      execFileSync('openssl', ['pkeyutl', '-encrypt', '-pubin', '-keyform', 'DER', '-inkey', join(dir, 'pub.der'), '-in', join(dir, 'material.bin'), '-out', join(dir, 'wrapped.bin'),
        '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256']);
      const EncryptedKeyMaterial = readFileSync(join(dir, 'wrapped.bin'));
      await h.kms.send(new ImportKeyMaterialCommand({ KeyId: key.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial, ...NO_EXPIRY }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(openLocally(await encrypt(key.KeyId!, 'via openssl'), material).toString(), 'via openssl');
  });

  it('the imported AES key is the key: ciphertext opens locally, a local blob decrypts; the same material in another key gets another id', async () => {
    const material = randomBytes(32);
    const a = await createExternal();
    const b = await createExternal();
    const idA = (await importMaterial(a.KeyId!, material)).KeyMaterialId!;
    const idB = (await importMaterial(b.KeyId!, material, NO_EXPIRY, 'RSA_AES_KEY_WRAP_SHA_1')).KeyMaterialId!;
    assert.notEqual(idA, idB, 'KeyMaterialId depends on the key id');
    const blob = await encrypt(a.KeyId!, 'opened with node:crypto');
    assert.equal(materialIdOf(blob), idA);
    assert.equal(openLocally(blob, material).toString(), 'opened with node:crypto');
    assert.equal(await decrypt(sealLocally(b.KeyId!, idB, material, Buffer.from('sealed locally'))), 'sealed locally');
    const cross = await awsError(() => h.kms.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: b.KeyId })));
    assert.equal(cross.name, 'IncorrectKeyException');
  });

  it('HMAC keys: GenerateMac equals createHmac over the imported bytes; lengths and symmetric-only parameters are checked', async () => {
    for (const [spec, bytes, hash] of [['HMAC_224', 28, 'sha224'], ['HMAC_256', 32, 'sha256'], ['HMAC_512', 100, 'sha512']] as const) {
      const key = await createExternal(spec, 'GENERATE_VERIFY_MAC');
      const material = randomBytes(bytes);
      const out = await importMaterial(key.KeyId!, material);
      assert.equal(out.KeyMaterialId, undefined, 'KeyMaterialId is shown for symmetric encryption keys only');
      const Message = Buffer.from(`message for ${spec}`);
      const mac = await h.kms.send(new GenerateMacCommand({ KeyId: key.KeyId, Message, MacAlgorithm: `HMAC_SHA_${spec.slice(5)}` as MacAlgorithmSpec }));
      assert.deepEqual(Buffer.from(mac.Mac!), createHmac(hash, material).update(Message).digest());
    }
    const key = await createExternal('HMAC_256', 'GENERATE_VERIFY_MAC');
    assert.equal((await awsError(() => importMaterial(key.KeyId!, randomBytes(16)))).name, 'IncorrectKeyMaterialException');
    const typed = await awsError(() => importMaterial(key.KeyId!, randomBytes(32), { ...NO_EXPIRY, ImportType: 'NEW_KEY_MATERIAL' }));
    assert.deepEqual([typed.name, typed.message], ['ValidationException', 'ImportType is only valid for symmetric encryption KMS keys.']);
  });

  it('RSA and ECC private keys (PKCS#8 DER): GetPublicKey is the local public key and signatures verify locally', async () => {
    const cases = [
      { spec: 'ECC_NIST_P256', pair: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), algorithm: 'ECDSA_SHA_256', wrapping: 'RSAES_OAEP_SHA_256', opts: {} },
      { spec: 'ECC_NIST_EDWARDS25519', pair: generateKeyPairSync('ed25519'), algorithm: 'ED25519_SHA_512', wrapping: 'RSAES_OAEP_SHA_1', opts: {} },
      { spec: 'RSA_2048', pair: generateKeyPairSync('rsa', { modulusLength: 2048 }), algorithm: 'RSASSA_PSS_SHA_256', wrapping: 'RSA_AES_KEY_WRAP_SHA_256', opts: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
    ] as const;
    for (const c of cases) {
      const key = await createExternal(c.spec, 'SIGN_VERIFY');
      await importMaterial(key.KeyId!, c.pair.privateKey.export({ type: 'pkcs8', format: 'der' }), NO_EXPIRY, c.wrapping);
      const pub = (await h.kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }))).PublicKey!;
      assert.deepEqual(Buffer.from(pub), c.pair.publicKey.export({ type: 'spki', format: 'der' }));
      const Message = Buffer.from(`signed by imported ${c.spec}`);
      const sig = (await h.kms.send(new SignCommand({ KeyId: key.KeyId, Message, MessageType: 'RAW', SigningAlgorithm: c.algorithm }))).Signature!;
      const digest = c.spec === 'ECC_NIST_EDWARDS25519' ? null : 'sha256';
      assert.ok(verify(digest, Message, { key: c.pair.publicKey, ...c.opts }, Buffer.from(sig)), `${c.spec} signature verifies locally`);
    }
    const p256 = await createExternal('ECC_NIST_P256', 'SIGN_VERIFY');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'der' });
    assert.equal((await awsError(() => importMaterial(p256.KeyId!, p384))).name, 'IncorrectKeyMaterialException');
    assert.equal((await metadata(p256.KeyId!)).KeyState, 'PendingImport');
  });

  it('ValidTo: the material expires when the clock passes it (PendingImport, DeleteExpiredKeyMaterial); the same material brings it back', async () => {
    const key = await createExternal();
    const material = randomBytes(32);
    const ValidTo = new Date(Math.ceil(h.clock.now().getTime() / 1000) * 1000 + HOUR);
    const imported = await importMaterial(key.KeyId!, material, { ValidTo }); // ExpirationModel defaults to KEY_MATERIAL_EXPIRES
    const md = await metadata(key.KeyId!);
    assert.deepEqual([md.KeyState, md.ExpirationModel, md.ValidTo?.getTime()], ['Enabled', 'KEY_MATERIAL_EXPIRES', ValidTo.getTime()]);
    const blob = await encrypt(key.KeyId!, 'before expiry');
    h.advance(ValidTo.getTime() - h.clock.now().getTime() - 1000);
    assert.equal((await h.server.runKeySchedule()).importExpiry, 0);
    h.advance(1000);
    assert.equal((await h.server.runKeySchedule()).importExpiry, 1);
    const expired = await metadata(key.KeyId!);
    assert.deepEqual([expired.KeyState, expired.Enabled, expired.ExpirationModel, expired.ValidTo], ['PendingImport', false, undefined, undefined]);
    const refused = await awsError(() => encrypt(key.KeyId!));
    assert.deepEqual([refused.name, refused.message], ['KMSInvalidStateException', `${key.Arn} is pending import.`]);
    const events = storedRows(h.dataDir).map((r) => r.record).filter((r) => r.eventName === 'DeleteExpiredKeyMaterial');
    assert.equal(events.length, 1);
    assert.deepEqual([events[0]!.eventType, events[0]!.userIdentity.invokedBy, events[0]!.resources[0].ARN], ['AwsServiceEvent', 'AWS Internal', key.Arn]);

    const other = await awsError(() => importMaterial(key.KeyId!, randomBytes(32)));
    assert.equal(other.name, 'IncorrectKeyMaterialException');
    const again = await importMaterial(key.KeyId!, material, { ...NO_EXPIRY, KeyMaterialId: imported.KeyMaterialId });
    assert.equal(again.KeyMaterialId, imported.KeyMaterialId);
    assert.equal((await metadata(key.KeyId!)).KeyState, 'Enabled');
    assert.equal(await decrypt(blob), 'before expiry');
  });

  it('expired material is not usable before the key schedule runs: the first call after ValidTo expires it', async () => {
    const key = await createExternal();
    const ValidTo = new Date(Math.ceil(h.clock.now().getTime() / 1000) * 1000 + HOUR);
    await importMaterial(key.KeyId!, randomBytes(32), { ValidTo });
    assert.ok((await encrypt(key.KeyId!, 'in time')).length > 0);
    h.advance(ValidTo.getTime() - h.clock.now().getTime());
    // No runKeySchedule: the calls themselves find the material due.
    const [a, b] = await Promise.all([awsError(() => encrypt(key.KeyId!)), awsError(() => encrypt(key.KeyId!))]);
    for (const refused of [a, b]) assert.deepEqual([refused.name, refused.message], ['KMSInvalidStateException', `${key.Arn} is pending import.`]);
    assert.equal((await metadata(key.KeyId!)).KeyState, 'PendingImport');
    const events = storedRows(h.dataDir).map((r) => r.record).filter((r) => r.eventName === 'DeleteExpiredKeyMaterial' && r.resources[0].ARN === key.Arn);
    assert.equal(events.length, 1, 'one expiry, one event, however many calls found it due');
    assert.equal((await h.server.runKeySchedule()).importExpiry, 0, 'nothing left for the schedule');
  });

  it('ExpirationModel and ValidTo are checked as AWS does', async () => {
    const key = await createExternal();
    const noValidTo = await awsError(() => importMaterial(key.KeyId!, randomBytes(32), {}));
    assert.deepEqual([noValidTo.name, noValidTo.message], ['ValidationException', 'A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES']);
    const past = await awsError(() => importMaterial(key.KeyId!, randomBytes(32), { ValidTo: new Date(h.clock.now().getTime() - HOUR) }));
    assert.equal(past.name, 'ValidationException');
    const both = await awsError(() => importMaterial(key.KeyId!, randomBytes(32), { ...NO_EXPIRY, ValidTo: new Date(h.clock.now().getTime() + HOUR) }));
    assert.equal(both.name, 'ValidationException');
    assert.equal((await metadata(key.KeyId!)).KeyState, 'PendingImport');
  });

  it('import tokens expire after 24 hours, open only for their key, and the wrap must match the token', async () => {
    const key = await createExternal();
    const otherKey = await createExternal();
    const material = randomBytes(32);
    const p = await params(key.KeyId!);
    const send = (KeyId: string, ImportToken: Uint8Array, EncryptedKeyMaterial: Uint8Array) =>
      awsError(() => h.kms.send(new ImportKeyMaterialCommand({ KeyId, ImportToken, EncryptedKeyMaterial, ...NO_EXPIRY })));
    assert.equal((await send(otherKey.KeyId!, p.ImportToken!, wrap(p.PublicKey!, 'RSAES_OAEP_SHA_256', material))).name, 'InvalidImportTokenException');
    assert.equal((await send(key.KeyId!, randomBytes(200), wrap(p.PublicKey!, 'RSAES_OAEP_SHA_256', material))).name, 'InvalidImportTokenException');
    assert.equal((await send(key.KeyId!, p.ImportToken!, wrap(p.PublicKey!, 'RSAES_OAEP_SHA_1', material))).name, 'InvalidCiphertextException');
    h.advance(24 * HOUR + 1000);
    assert.equal((await send(key.KeyId!, p.ImportToken!, wrap(p.PublicKey!, 'RSAES_OAEP_SHA_256', material))).name, 'ExpiredImportTokenException');
    assert.equal((await metadata(key.KeyId!)).KeyState, 'PendingImport');
  });

  it('DeleteImportedKeyMaterial: PendingImport until the same material returns; no effect without material; a key pending deletion keeps its state', async () => {
    const key = await createExternal();
    assert.deepEqual((await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key.KeyId }))).KeyMaterialId, undefined);
    assert.equal((await metadata(key.KeyId!)).KeyState, 'PendingImport');
    const material = randomBytes(32);
    const { KeyMaterialId } = await importMaterial(key.KeyId!, material);
    const blob = await encrypt(key.KeyId!, 'kept');
    const deleted = await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key.KeyId }));
    assert.deepEqual([deleted.KeyId, deleted.KeyMaterialId], [key.Arn, KeyMaterialId]);
    const md = await metadata(key.KeyId!);
    assert.deepEqual([md.KeyState, md.ExpirationModel, md.CurrentKeyMaterialId], ['PendingImport', undefined, KeyMaterialId]);
    assert.equal((await awsError(() => decrypt(blob))).message, `${key.Arn} is pending import.`);
    await importMaterial(key.KeyId!, material);
    assert.equal(await decrypt(blob), 'kept');

    await h.kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
    await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key.KeyId }));
    assert.equal((await metadata(key.KeyId!)).KeyState, 'PendingDeletion');
    const own = (await h.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
    assert.equal((await awsError(() => h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: own.KeyId })))).name, 'UnsupportedOperationException');
  });

  it('NEW_KEY_MATERIAL: further material waits for on-demand rotation; the current material stays', async () => {
    const key = await createExternal();
    const first = randomBytes(32);
    const { KeyMaterialId: firstId } = await importMaterial(key.KeyId!, first, { ...NO_EXPIRY, KeyMaterialDescription: 'first' });
    const again = await awsError(() => importMaterial(key.KeyId!, first, { ...NO_EXPIRY, ImportType: 'NEW_KEY_MATERIAL' }));
    assert.equal(again.name, 'IncorrectKeyMaterialException');
    const idWithNew = await awsError(() => importMaterial(key.KeyId!, randomBytes(32), { ...NO_EXPIRY, ImportType: 'NEW_KEY_MATERIAL', KeyMaterialId: firstId }));
    assert.equal(idWithNew.name, 'ValidationException');
    const second = await importMaterial(key.KeyId!, randomBytes(32), { ...NO_EXPIRY, ImportType: 'NEW_KEY_MATERIAL' });
    assert.notEqual(second.KeyMaterialId, firstId);
    const md = await metadata(key.KeyId!);
    assert.deepEqual([md.KeyState, md.CurrentKeyMaterialId], ['Enabled', firstId]);
    assert.equal(materialIdOf(await encrypt(key.KeyId!)), firstId, 'new encryptions use the current material');
    const third = await awsError(() => importMaterial(key.KeyId!, randomBytes(32), { ...NO_EXPIRY, ImportType: 'NEW_KEY_MATERIAL' }));
    assert.deepEqual([third.name, third.message.endsWith(`(id: ${second.KeyMaterialId}) is pending rotation.`)], ['KMSInvalidStateException', true]);
    const wrongId = await awsError(() => importMaterial(key.KeyId!, first, { ...NO_EXPIRY, KeyMaterialId: second.KeyMaterialId }));
    assert.equal(wrongId.name, 'IncorrectKeyMaterialException');
    assert.equal((await importMaterial(key.KeyId!, first, { ...NO_EXPIRY, KeyMaterialId: firstId })).KeyMaterialId, firstId);
  });

  it('Multi-Region: a replica takes only its primary key material, then decrypts the primary ciphertext', async () => {
    const primary = (await h.kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL', MultiRegion: true }))).KeyMetadata!;
    const material = randomBytes(32);
    const { KeyMaterialId } = await importMaterial(primary.KeyId!, material);
    const blob = await encrypt(primary.KeyId!, 'from the primary');
    const west = h.client(undefined, 'us-west-2');
    await h.kms.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: 'us-west-2' }));
    h.advance(REPLICA_CREATING_MS); // the replica's few seconds in Creating
    assert.equal((await west.send(new DescribeKeyCommand({ KeyId: primary.KeyId }))).KeyMetadata!.KeyState, 'PendingImport');
    const importWest = async (bytes: Buffer) => {
      const p = await west.send(new GetParametersForImportCommand({ KeyId: primary.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }));
      return west.send(new ImportKeyMaterialCommand({ KeyId: primary.KeyId, ImportToken: p.ImportToken, EncryptedKeyMaterial: wrap(p.PublicKey!, 'RSAES_OAEP_SHA_256', bytes), ...NO_EXPIRY }));
    };
    assert.equal((await awsError(() => importWest(randomBytes(32)))).name, 'IncorrectKeyMaterialException');
    assert.equal((await importWest(material)).KeyMaterialId, KeyMaterialId, 'the same id in every Region');
    assert.equal(Buffer.from((await west.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString(), 'from the primary');
    const more = await awsError(() => importMaterial(primary.KeyId!, randomBytes(32), { ...NO_EXPIRY, ImportType: 'NEW_KEY_MATERIAL' }));
    assert.equal(more.name, 'UnsupportedOperationException');
    west.destroy();
  });
});
