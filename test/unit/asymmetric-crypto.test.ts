/**
 * The pure parts behind asymmetric and HMAC keys: the key-spec table, OAEP limits against
 * OpenSSL, published known-answer vectors (RFC 4231 HMAC, RFC 8032 Ed25519ph), MessageType
 * DIGEST against RAW (RSASSA-PSS over a digest against node:crypto and the openssl CLI), ML-DSA
 * key encodings, and ECDH.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, publicEncrypt, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEY_SPECS, oaepPlaintextLimit, RSA_ENCRYPTION_ALGORITHMS, SIGNING_ALGORITHMS, MAC_ALGORITHMS, type KeyPairParams } from '../../src/domain/key-specs.js';
import { computeHmac, hmacMatches } from '../../src/crypto/hmac.js';
import { generateDerKeyPair, publicKeyDer } from '../../src/crypto/key-pairs.js';
import { signMessage, verifySignature } from '../../src/crypto/signatures.js';
import { PSS_ALGORITHM_ID, signPssDigest, verifyPssDigest } from '../../src/crypto/rsa-pss-digest.js';
import { ecdhSharedSecret } from '../../src/crypto/ecdh.js';
import { generateMlDsaKeyPair, mlDsaPublicKey } from '../../src/crypto/ml-dsa.js';

const hex = (s: string) => Buffer.from(s, 'hex');

describe('key-spec table', () => {
  it('every algorithm a spec lists exists, and every usage has its algorithm list', () => {
    for (const [name, spec] of Object.entries(KEY_SPECS)) {
      for (const a of spec.signingAlgorithms ?? []) assert.ok(SIGNING_ALGORITHMS[a], `${name}: ${a}`);
      for (const a of spec.macAlgorithms ?? []) assert.ok(MAC_ALGORITHMS[a], `${name}: ${a}`);
      for (const a of spec.encryptionAlgorithms ?? []) assert.ok(a === 'SYMMETRIC_DEFAULT' || RSA_ENCRYPTION_ALGORITHMS[a], `${name}: ${a}`);
      if (!spec.implemented) continue;
      assert.equal(spec.usages.includes('SIGN_VERIFY'), spec.signingAlgorithms !== undefined, name);
      assert.equal(spec.usages.includes('GENERATE_VERIFY_MAC'), spec.macAlgorithms !== undefined, name);
      assert.equal(spec.usages.includes('KEY_AGREEMENT'), spec.keyAgreementAlgorithms !== undefined, name);
      assert.equal(spec.usages.includes('ENCRYPT_DECRYPT'), spec.encryptionAlgorithms !== undefined, name);
      assert.ok((spec.keyPair === undefined) !== (spec.symmetricKeyBytes === undefined), `${name}: key pair xor symmetric bytes`);
    }
    assert.deepEqual(['HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512'].map((s) => KEY_SPECS[s]!.symmetricKeyBytes), [28, 32, 48, 64]);
  });

  it("RSAES-OAEP limits are AWS's (214/190, 342/318, 470/446) and exactly what OpenSSL accepts", () => {
    const expected: Record<number, [number, number]> = { 2048: [214, 190], 3072: [342, 318], 4096: [470, 446] };
    for (const [bits, [sha1, sha256]] of Object.entries(expected)) {
      assert.deepEqual([oaepPlaintextLimit(Number(bits), 20), oaepPlaintextLimit(Number(bits), 32)], [sha1, sha256]);
    }
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (const [name, { hash, hashBytes }] of Object.entries(RSA_ENCRYPTION_ALGORITHMS)) {
      const limit = oaepPlaintextLimit(2048, hashBytes);
      const enc = (n: number) => publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, Buffer.alloc(n));
      assert.equal(enc(limit).length, 256, name);
      assert.throws(() => enc(limit + 1), name);
    }
  });
});

describe('HMAC', () => {
  it('RFC 4231 test case 2 for every HMAC key spec', () => {
    const key = Buffer.from('Jefe');
    const data = Buffer.from('what do ya want for nothing?');
    const expected: Record<string, string> = {
      HMAC_SHA_224: 'a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44',
      HMAC_SHA_256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      HMAC_SHA_384: 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
      HMAC_SHA_512: '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
    };
    for (const [algorithm, tag] of Object.entries(expected)) {
      const { hash } = MAC_ALGORITHMS[algorithm]!;
      assert.equal(computeHmac(hash, key, data).toString('hex'), tag, algorithm);
      assert.ok(hmacMatches(hash, key, data, hex(tag)));
      assert.ok(!hmacMatches(hash, key, data, hex(tag).subarray(1)));
    }
  });
});

describe('signatures', () => {
  it('RFC 8032 §7.3 Ed25519ph known answer (message "abc")', () => {
    const d = hex('833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42');
    const x = hex('ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf');
    const jwk = { kty: 'OKP', crv: 'Ed25519', d: d.toString('base64url'), x: x.toString('base64url') };
    const pkcs8 = createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'der' });
    const input = { params: { kind: 'ed25519' } as const, algorithm: SIGNING_ALGORITHMS.ED25519_PH_SHA_512!, message: Buffer.from('abc'), messageType: 'DIGEST' as const };
    const signature = signMessage(pkcs8, input);
    assert.equal(signature.toString('hex'),
      '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406');
    assert.ok(verifySignature(pkcs8, input, signature));
  });

  it('RSASSA-PKCS1-v1_5 over a DIGEST is byte-identical to OpenSSL signing the RAW message (deterministic scheme)', async () => {
    const { privateKey } = await generateDerKeyPair({ kind: 'rsa', modulusBits: 2048 });
    const message = Buffer.from('pkcs1');
    for (const name of ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512']) {
      const algorithm = SIGNING_ALGORITHMS[name]!;
      const digest = createHash(algorithm.hash!).update(message).digest();
      const viaDigest = signMessage(privateKey, { params: { kind: 'rsa', modulusBits: 2048 }, algorithm, message: digest, messageType: 'DIGEST' });
      const openssl = sign(algorithm.hash!, message, createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' }));
      assert.deepEqual(viaDigest, openssl, name);
    }
  });

  it('ECDSA DIGEST and RAW signatures verify either way, for every curve', async () => {
    const message = Buffer.from('ecdsa');
    for (const spec of ['ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1']) {
      const params = KEY_SPECS[spec]!.keyPair!;
      const algorithm = SIGNING_ALGORITHMS[KEY_SPECS[spec]!.signingAlgorithms![0]!]!;
      const { privateKey } = await generateDerKeyPair(params);
      const digest = createHash(algorithm.hash!).update(message).digest();
      const raw = { params, algorithm, message, messageType: 'RAW' as const };
      const pre = { params, algorithm, message: digest, messageType: 'DIGEST' as const };
      assert.ok(verifySignature(privateKey, raw, signMessage(privateKey, pre)), spec);
      assert.ok(verifySignature(privateKey, pre, signMessage(privateKey, raw)), spec);
      assert.ok(!verifySignature(privateKey, pre, Buffer.from('junk')), spec);
    }
  });
});

describe('RSASSA-PSS over a DIGEST', () => {
  const PSS = ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512'] as const;
  const message = Buffer.from('sign my digest, not its hash');
  const pss = (saltLength: number) => ({ padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
  const keys: { bits: number; pkcs8: Buffer; pub: KeyObject }[] = [];
  const ready = Promise.all([2048, 3072, 4096].map(async (bits) => {
    const pair = await generateDerKeyPair({ kind: 'rsa', modulusBits: bits });
    keys.push({ bits, pkcs8: pair.privateKey, pub: createPublicKey({ key: pair.publicKey, format: 'der', type: 'spki' }) });
  }));

  it('verifies with node:crypto over the original message (MGF1 = hash, salt = digest length exactly) for SHA-256/384/512 and 2048/3072/4096-bit keys', async () => {
    await ready;
    for (const { bits, pkcs8, pub } of keys) {
      const params = { kind: 'rsa', modulusBits: bits } as const;
      for (const name of PSS) {
        const algorithm = SIGNING_ALGORITHMS[name]!;
        const hash = algorithm.hash!;
        const digest = createHash(hash).update(message).digest();
        const pre = { params, algorithm, message: digest, messageType: 'DIGEST' as const };
        const raw = { params, algorithm, message, messageType: 'RAW' as const };
        const signature = signMessage(pkcs8, pre);
        assert.equal(signature.length, bits / 8);
        assert.ok(verify(hash, message, { key: pub, ...pss(algorithm.digestBytes) }, signature), `${bits} ${name}`);
        assert.ok(!verify(hash, message, { key: pub, ...pss(algorithm.digestBytes - 1) }, signature), `${bits} ${name}: salt is the digest length`);
        assert.ok(!signature.equals(signMessage(pkcs8, pre)), 'PSS is randomized');
        // Locksmith's own Verify either way: DIGEST signature as RAW, RAW signature as DIGEST.
        assert.ok(verifySignature(pkcs8, raw, signature), `${bits} ${name}`);
        assert.ok(verifySignature(pkcs8, pre, signature), `${bits} ${name}`);
        assert.ok(verifySignature(pkcs8, pre, signMessage(pkcs8, raw)), `${bits} ${name}`);
      }
    }
  });

  it('the openssl CLI verifies DIGEST signatures (pkeyutl over the digest), and Locksmith verifies the CLI\'s', async () => {
    await ready;
    const dir = mkdtempSync(join(tmpdir(), 'locksmith-pss-'));
    try {
      const { bits, pkcs8, pub } = keys.find((k) => k.bits === 2048)!;
      writeFileSync(join(dir, 'pub.pem'), pub.export({ type: 'spki', format: 'pem' }));
      writeFileSync(join(dir, 'key.pem'), createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }));
      for (const name of PSS) {
        const algorithm = SIGNING_ALGORITHMS[name]!;
        const digest = createHash(algorithm.hash!).update(message).digest();
        const opts = ['-pkeyopt', `digest:${algorithm.hash}`, '-pkeyopt', 'rsa_padding_mode:pss', '-pkeyopt', 'rsa_pss_saltlen:-1'];
        const pre = { params: { kind: 'rsa', modulusBits: bits } as const, algorithm, message: digest, messageType: 'DIGEST' as const };
        writeFileSync(join(dir, 'digest.bin'), digest);
        writeFileSync(join(dir, 'sig'), signMessage(pkcs8, pre));
        const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-sigfile', join(dir, 'sig'), ...opts, '-in', join(dir, 'digest.bin')], { encoding: 'utf8' });
        assert.match(out, /Signature Verified Successfully/, name);
        const theirs = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', join(dir, 'key.pem'), ...opts, '-in', join(dir, 'digest.bin')]);
        assert.ok(verifySignature(pkcs8, pre, theirs), name);
        const tampered = Buffer.from(digest);
        tampered[0]! ^= 1;
        writeFileSync(join(dir, 'digest.bin'), tampered);
        assert.throws(() => execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', join(dir, 'pub.pem'), '-sigfile', join(dir, 'sig'), ...opts, '-in', join(dir, 'digest.bin')], { stdio: 'pipe' }), name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a tampered digest, a changed, shortened or zero-prefixed signature, another salt length or another hash are invalid', async () => {
    await ready;
    const { pkcs8, pub } = keys.find((k) => k.bits === 2048)!;
    const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const digest = createHash('sha256').update(message).digest();
    const signature = signPssDigest(key, 'sha256', digest);
    assert.ok(verifyPssDigest(pub, 'sha256', digest, signature));
    const tampered = Buffer.from(digest);
    tampered[31]! ^= 0x80;
    const flipped = Buffer.from(signature);
    flipped[100]! ^= 1;
    const cases: [string, Buffer, Buffer][] = [
      ['tampered digest', tampered, signature],
      ['changed signature', digest, flipped],
      ['shortened signature', digest, signature.subarray(1)],
      ['zero-prefixed signature', digest, Buffer.concat([Buffer.alloc(1), signature])],
      ['signature >= n', digest, Buffer.alloc(256, 0xff)],
      ['salt of 20 bytes', digest, sign('sha256', message, { key, ...pss(20) })],
      ['salt of 0 bytes', digest, sign('sha256', message, { key, ...pss(0) })],
      ['PKCS#1 v1.5 signature', digest, sign('sha256', message, key)],
      ['empty signature', digest, Buffer.alloc(0)],
    ];
    for (const [what, d, s] of cases) assert.equal(verifyPssDigest(pub, 'sha256', d, s), false, what);
    assert.equal(verifyPssDigest(pub, 'sha384', createHash('sha384').update(message).digest(), signature), false, 'another hash');
    assert.equal(verifyPssDigest(pub, 'sha256', digest.subarray(1), signature), false, 'short digest');
    assert.throws(() => signPssDigest(key, 'sha256', digest.subarray(1)));
    assert.throws(() => signPssDigest(key, 'sha512', digest));
  });

  it('the PSS-restricted AlgorithmIdentifiers are the ones OpenSSL writes for rsa-pss keys', () => {
    for (const [hash, saltLength] of [['sha256', 32], ['sha384', 48], ['sha512', 64]] as const) {
      // @types/node 20 types saltLength as a string; node:crypto wants a number.
      const options = { modulusLength: 1024, hashAlgorithm: hash, mgf1HashAlgorithm: hash, saltLength: saltLength as unknown as string };
      const { privateKey } = generateKeyPairSync('rsa-pss', options);
      const der = privateKey.export({ type: 'pkcs8', format: 'der' });
      const at = der.indexOf(Buffer.from('020100', 'hex')) + 3;
      assert.deepEqual(der.subarray(at, at + PSS_ALGORITHM_ID[hash]!.length), PSS_ALGORITHM_ID[hash], hash);
    }
  });
});

describe('key pairs', () => {
  it('ML-DSA: 54-byte seed PKCS#8 and RFC 9881 SPKI; the public key is recomputed from the stored seed', () => {
    for (const [set, size] of [[44, 1334], [65, 1974], [87, 2614]] as const) {
      const { privateKey, publicKey } = generateMlDsaKeyPair(set);
      assert.equal(privateKey.length, 54);
      assert.equal(publicKey.length, size);
      assert.deepEqual(mlDsaPublicKey(set, privateKey), publicKey);
      assert.throws(() => mlDsaPublicKey(set === 44 ? 65 : 44, privateKey));
    }
  });

  it('publicKeyDer of a stored private key is the SPKI generated with it', async () => {
    const params: KeyPairParams[] = [{ kind: 'rsa', modulusBits: 2048 }, { kind: 'ec', namedCurve: 'secp521r1' }, { kind: 'ed25519' }, { kind: 'ml-dsa', parameterSet: 44 }];
    for (const p of params) {
      const pair = await generateDerKeyPair(p);
      assert.deepEqual(publicKeyDer(p, pair.privateKey), pair.publicKey, p.kind);
    }
  });

  it('ECDH: raw shared secret equals node:crypto on the other side; other curves and junk are refused', async () => {
    const ours = await generateDerKeyPair({ kind: 'ec', namedCurve: 'prime256v1' });
    const peer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const secret = ecdhSharedSecret(ours.privateKey, 'prime256v1', peer.publicKey.export({ type: 'spki', format: 'der' }));
    const expected = diffieHellman({ privateKey: peer.privateKey, publicKey: createPublicKey({ key: ours.publicKey, format: 'der', type: 'spki' }) });
    assert.deepEqual(secret, expected);
    const other = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'der' });
    assert.equal(ecdhSharedSecret(ours.privateKey, 'prime256v1', other), undefined);
    assert.equal(ecdhSharedSecret(ours.privateKey, 'prime256v1', Buffer.from('junk')), undefined);
  });
});
