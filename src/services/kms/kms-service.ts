import { aliasArn, isKeyId, keyArn, parseKeyReference } from '../../domain/arn.js';
import { openCiphertext, parseCiphertext, sealCiphertext } from '../../domain/ciphertext.js';
import type { EncryptionContext } from '../../domain/encryption-context.js';
import type { KmsKey } from '../../domain/key.js';
import { assertKeyStateAllows } from '../../domain/key-states.js';
import { GCM_IV_BYTES } from '../../crypto/aes-gcm.js';
import type { RootKeyring } from '../../crypto/root-keyring.js';
import { AccessDeniedException, IncorrectKeyException, InvalidCiphertextException, KMSInvalidStateException, NotFoundException, ValidationException } from '../../errors/aws-error.js';
import type { KeyRef, Store } from '../../store/ports.js';
import type { ContextValue } from '../../policy/types.js';
import type { AuditRecorder } from '../../audit/recorder.js';
import { KeyedMutex } from '../../util/keyed-mutex.js';
import type { CallContext } from '../../domain/call-context.js';
import { assertNoContextForKeyPair, isKeyPair, rsaDecrypt, rsaEncrypt } from './asymmetric-encryption.js';
import { predefinedAwsAlias } from './aws-managed-keys.js';
import { assertKeyUsage, encryptionAlgorithmFor } from './key-usage.js';
import { KmsAuthorizer } from './kms-authorizer.js';
import { expireKeyMaterial } from './import-expiry.js';
import { settleMultiRegionDeletion } from './multi-region.js';
import { settleTransientState } from './transient-key-states.js';
import { materialAad, type KeyOperation, type KmsCore, type KmsInput } from './kms-core.js';

export { materialAad } from './kms-core.js';

export interface ResolveOptions {
  /** The operation: its key-state rule, alias use, cross-account use, condition keys. */
  op: KeyOperation;
  /** The request's input: its members feed the condition keys and grant tokens. */
  input: KmsInput;
  /** Permission checked, when it differs from the operation (ReEncryptFrom / ReEncryptTo). */
  action?: string;
  /** Encryption context the operation uses (grant constraints, kms:EncryptionContext:*). */
  encryptionContext?: EncryptionContext;
  extraConditions?: (key: KmsKey) => Record<string, ContextValue | undefined>;
  /** EncryptionAlgorithm of the request (Decrypt / ReEncrypt with RSA keys). */
  encryptionAlgorithm?: string;
}

/** The id of the material new cryptographic operations use; only Enabled keys reach here, and they have one. */
export function currentMaterialId(key: KmsKey): string {
  // Not reachable for a key in a state that allows use; answered as AWS answers a key without material, never with a 500.
  if (key.currentKeyMaterialId === undefined) throw KMSInvalidStateException(`${key.arn} is pending import.`);
  return key.currentKeyMaterialId;
}

/** KMS's answer for a ciphertext whose key does not exist, does not exist in this Region, or is not the caller's to use. */
export const CIPHERTEXT_KEY_UNAVAILABLE =
  'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.';

/**
 * What every KMS operation shares: key resolution (ids, ARNs, aliases), key-state rules,
 * authorization, and sealing/opening with a key's material. Operations live one per file.
 */
export class KmsService implements KmsCore {
  readonly authorizer: KmsAuthorizer;
  /** Per-key serialization in this process of work that must check, record and then change (rotation). */
  readonly keyLocks = new KeyedMutex();

  constructor(
    readonly store: Store,
    readonly keyring: RootKeyring,
    /** Where events KMS records on its own (AwsServiceEvent) go, committed before the change they record. */
    readonly audit?: Pick<AuditRecorder, 'record'>,
    /** Runs each authorization (LOCKSMITH_STAGE_TIMING: times it as a stage of its own). */
    private readonly timeAuthorization?: (authorize: () => Promise<void>) => Promise<void>,
  ) {
    this.authorizer = new KmsAuthorizer(store);
  }

  /** Finds the key a KeyId parameter names, then applies authorization and the operation's key-state rules. */
  async resolveKey(ctx: CallContext, keyIdParam: string, opts: ResolveOptions): Promise<KmsKey> {
    const key = await this.findKey(ctx, keyIdParam, opts.op.aliases);
    await this.authorize(ctx, key, opts);
    assertKeyStateAllows(opts.op.keyStates, key);
    return key;
  }

  authorize(ctx: CallContext, key: KmsKey, opts: ResolveOptions): Promise<void> {
    const authorize = () =>
      this.authorizer.authorizeKey(ctx, {
        action: opts.action ?? opts.op.name,
        crossAccount: opts.op.crossAccount,
        algorithmConditionKey: opts.op.algorithmConditionKey,
        key,
        input: opts.input,
        encryptionContext: opts.encryptionContext,
        extraConditions: opts.extraConditions?.(key),
      });
    return this.timeAuthorization ? this.timeAuthorization(authorize) : authorize();
  }

  private async findKey(ctx: CallContext, value: string, aliases: boolean): Promise<KmsKey> {
    const ref = parseKeyReference(value);
    switch (ref.kind) {
      case 'keyId':
        if (!isKeyId(ref.keyId)) throw NotFoundException(`Invalid keyId '${value}'`);
        return this.loadKey(ctx, { account: ctx.account, region: ctx.region, keyId: ref.keyId });
      case 'keyArn':
        if (ref.region !== ctx.region) throw NotFoundException(`Invalid arn ${ref.region}`);
        if (!isKeyId(ref.keyId) || !/^\d{12}$/.test(ref.account)) throw NotFoundException(`Invalid keyId '${value}'`);
        return this.loadKey(ctx, { account: ref.account, region: ref.region, keyId: ref.keyId });
      case 'aliasName':
      case 'aliasArn': {
        if (!aliases) throw NotFoundException(`Invalid keyId '${value}'`);
        const account = ref.kind === 'aliasArn' ? ref.account : ctx.account;
        if (ref.kind === 'aliasArn' && ref.region !== ctx.region) throw NotFoundException(`Invalid arn ${ref.region}`);
        // A predefined alias/aws/<service> of the caller's own account gets its AWS managed key on first use.
        const alias =
          (await this.store.aliases.get(account, ctx.region, ref.aliasName)) ??
          (account === ctx.account ? await predefinedAwsAlias(this, ctx, ref.aliasName) : undefined);
        if (!alias) throw NotFoundException(`Alias ${aliasArn(ctx.region, account, ref.aliasName)} is not found.`);
        return this.loadKey(ctx, { account, region: ctx.region, keyId: alias.targetKeyId });
      }
      default:
        throw NotFoundException(`Invalid keyId '${value}'`);
    }
  }

  /**
   * Loads a key; a key whose deletion date has passed is destroyed here and reported missing, and
   * imported material whose ValidTo has passed expires here — the key schedule does both too, but
   * a call must not use what is due between two of its runs.
   */
  async loadKey(ctx: CallContext, ref: KeyRef): Promise<KmsKey> {
    let key = await this.store.keys.get(ref);
    // A Multi-Region key's copies are deleted together (a primary waits for its replicas).
    if (key?.multiRegion) {
      await settleMultiRegionDeletion(this.store.keys, key.account, key.keyId, ctx.clock.now());
      key = await this.store.keys.get(ref);
      // A replica's Creating and the copies' Updating end at a date (ReplicateKey / UpdatePrimaryRegion).
      if (key) key = await settleTransientState(this.store.keys, key, ctx.clock.now());
    }
    if (key?.origin === 'EXTERNAL' && this.audit && (await expireKeyMaterial(this.store.keys, this.audit, ctx.random, ref, ctx.clock.now()))) {
      key = await this.store.keys.get(ref);
    }
    if (key && !(await this.destroyIfDue(ctx, key))) return key;
    throw NotFoundException(`Key '${keyArn(ref.region, ref.account, ref.keyId)}' does not exist`);
  }

  /**
   * The key a ciphertext names, in the caller's region, authorized for the operation. No existence
   * oracle: a key that does not exist (never did, was deleted, or has no copy in this region) and
   * another account's key the caller may not use get the same AccessDeniedException, whose text
   * names no key (KMS Decrypt: "The ciphertext refers to a customer master key that does not exist,
   * does not exist in this region, or you are not allowed to access."). A key of the caller's own
   * account is denied with the usual message, as AWS does.
   */
  private async keyOfCiphertext(ctx: CallContext, account: string, keyId: string, opts: ResolveOptions): Promise<KmsKey> {
    let key: KmsKey;
    try {
      key = await this.loadKey(ctx, { account, region: ctx.region, keyId });
    } catch (e) {
      if ((e as Error).name === 'NotFoundException') throw AccessDeniedException(CIPHERTEXT_KEY_UNAVAILABLE);
      throw e;
    }
    try {
      await this.authorize(ctx, key, opts);
    } catch (e) {
      if ((e as Error).name === 'AccessDeniedException' && key.account !== ctx.account) throw AccessDeniedException(CIPHERTEXT_KEY_UNAVAILABLE);
      throw e;
    }
    return key;
  }

  /** Destroys the key and its material when its waiting period is over. Returns whether it did. */
  async destroyIfDue(ctx: Pick<CallContext, 'clock'>, key: KmsKey): Promise<boolean> {
    const l = key.lifecycle;
    if (!('deletionDate' in l) || l.deletionDate.getTime() > ctx.clock.now().getTime()) return false;
    // Destroyed only if still due when the store looks (a CancelKeyDeletion may have committed since).
    await this.store.keys.destroy({ account: key.account, region: key.region, keyId: key.keyId }, ctx.clock.now());
    return true;
  }

  /** Plaintext key material of one version; only in memory, only for the call. */
  async material(key: KmsKey, keyMaterialId: string): Promise<Buffer | undefined> {
    const stored = await this.store.keys.getMaterial(key, keyMaterialId);
    return stored?.wrapped && this.keyring.unwrap(stored.wrapped, materialAad(key.arn, keyMaterialId));
  }

  /** The current material in plaintext: PKCS#8 private key of a key pair, HMAC key bytes. The caller wipes it. */
  async currentMaterial(key: KmsKey): Promise<Buffer> {
    const material = await this.material(key, currentMaterialId(key));
    if (!material) throw KMSInvalidStateException(`${key.arn} is pending import.`);
    return material;
  }

  /** Encrypt / ReEncrypt: the versioned format for symmetric keys, bare RSAES-OAEP for RSA keys. */
  async encryptFor(ctx: CallContext, key: KmsKey, algorithm: string, plaintext: Buffer, context: EncryptionContext | undefined): Promise<Buffer> {
    return isKeyPair(key) ? rsaEncrypt(this, key, algorithm, plaintext) : this.seal(ctx, key, plaintext, context);
  }

  /** Encrypts under the key's current material in the versioned ciphertext format. */
  async seal(ctx: CallContext, key: KmsKey, plaintext: Buffer, context: EncryptionContext | undefined): Promise<Buffer> {
    const material = await this.currentMaterial(key);
    const header = { account: key.account, keyId: key.keyId, keyMaterialId: currentMaterialId(key) };
    try {
      return sealCiphertext(header, material, plaintext, context, ctx.random.bytes(GCM_IV_BYTES));
    } finally {
      material.fill(0);
    }
  }

  /**
   * Decrypts a ciphertext blob for Decrypt and ReEncrypt. The key is the one recorded in the
   * blob; a KeyId parameter, when given, must name that same key. Every failure to parse or
   * authenticate is the one fixed InvalidCiphertextException.
   */
  async unseal(
    ctx: CallContext,
    blob: Buffer | undefined,
    keyIdParam: string | undefined,
    opts: ResolveOptions,
  ): Promise<{ key: KmsKey; plaintext: Buffer; keyMaterialId: string }> {
    const { op, encryptionContext: context } = opts;
    if (blob === undefined) {
      throw ValidationException("1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null");
    }
    const parsed = parseCiphertext(blob);
    let key: KmsKey;
    if (keyIdParam !== undefined) {
      key = await this.resolveKey(ctx, keyIdParam, opts);
      if (!parsed) {
        // Not a symmetric blob: an RSA key decrypts bare RSAES-OAEP ciphertext (Decrypt API reference).
        assertKeyUsage(key, 'ENCRYPT_DECRYPT', op.name);
        if (!isKeyPair(key)) throw InvalidCiphertextException();
        const algorithm = encryptionAlgorithmFor(key, opts.encryptionAlgorithm);
        assertNoContextForKeyPair(context);
        return { key, plaintext: await rsaDecrypt(this, key, algorithm, blob), keyMaterialId: currentMaterialId(key) };
      }
      if (key.keyId !== parsed.keyId || key.account !== parsed.account) {
        // IncorrectKeyException only for a ciphertext key the caller could use; otherwise the answer
        // of a missing key, so the KeyId cannot probe which key ids exist.
        await this.keyOfCiphertext(ctx, parsed.account, parsed.keyId, opts);
        throw IncorrectKeyException('The key ID in the request does not identify a CMK that can perform this operation.');
      }
    } else {
      // Without a KeyId only symmetric blobs can be decrypted; RSA ciphertext needs the KeyId.
      if (!parsed) throw InvalidCiphertextException();
      key = await this.keyOfCiphertext(ctx, parsed.account, parsed.keyId, opts);
      assertKeyStateAllows(op.keyStates, key);
    }
    const material = await this.material(key, parsed.keyMaterialId);
    const plaintext = material && openCiphertext(parsed, material, context);
    material?.fill(0);
    if (!plaintext) throw InvalidCiphertextException();
    return { key, plaintext, keyMaterialId: parsed.keyMaterialId };
  }
}
