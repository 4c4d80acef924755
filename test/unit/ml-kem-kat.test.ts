/**
 * ML-KEM (FIPS 203) known answers from independent implementations (test/vectors/ml-kem-kat.json,
 * see test/vectors/README.md): key generation from the seed, the DER encodings, decapsulation,
 * and implicit rejection K̄ = J(z ‖ c) = SHAKE256(z ‖ c, 32) (FIPS 203 Algorithm 18, line 8).
 */
import { ml_kem512 } from '@noble/post-quantum/ml-kem.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { mlKemCiphertextBytes, mlKemDecapsulate, mlKemPkcs8FromSeed, mlKemPublicKey, type MlKemParameterSet } from '../../src/crypto/ml-kem.js';

interface Vector {
  keySpec: string;
  seed: string;
  pkcs8?: string;
  spki?: string;
  publicKey?: string;
  encapsRandomness?: string;
  ciphertext: string;
  sharedSecret: string;
}
const { vectors } = JSON.parse(readFileSync(join(import.meta.dirname, '../vectors/ml-kem-kat.json'), 'utf8')) as { vectors: Vector[] };
const hex = (s: string) => Buffer.from(s, 'hex');
const SET: Record<string, MlKemParameterSet> = { ML_KEM_512: 512, ML_KEM_768: 768, ML_KEM_1024: 1024 };

describe('ML-KEM known answers (FIPS 203)', () => {
  it('covers all three parameter sets', () => {
    assert.deepEqual([...new Set(vectors.map((v) => v.keySpec))].sort(), ['ML_KEM_1024', 'ML_KEM_512', 'ML_KEM_768']);
  });

  for (const [i, v] of vectors.entries()) {
    const set = SET[v.keySpec]!;
    const pkcs8 = mlKemPkcs8FromSeed(set, hex(v.seed));
    it(`${v.keySpec} #${i}: seed → PKCS#8 and public key as the other implementation has them`, () => {
      if (v.pkcs8) assert.equal(pkcs8.toString('hex'), v.pkcs8);
      const spki = mlKemPublicKey(set, pkcs8);
      if (v.spki) assert.equal(spki.toString('hex'), v.spki);
      if (v.publicKey) assert.equal(spki.subarray(spki.length - hex(v.publicKey).length).toString('hex'), v.publicKey);
    });
    it(`${v.keySpec} #${i}: Decaps of the other implementation's ciphertext gives its shared secret`, () => {
      assert.equal(hex(v.ciphertext).length, mlKemCiphertextBytes(set));
      assert.equal(mlKemDecapsulate(set, pkcs8, hex(v.ciphertext)).toString('hex'), v.sharedSecret);
    });
    it(`${v.keySpec} #${i}: an altered ciphertext gives J(z ‖ c), not an error (implicit rejection)`, () => {
      const c = hex(v.ciphertext);
      c[7]! ^= 0x40;
      const z = hex(v.seed).subarray(32);
      const expected = createHash('shake256', { outputLength: 32 }).update(Buffer.concat([z, c])).digest();
      assert.equal(mlKemDecapsulate(set, pkcs8, c).toString('hex'), expected.toString('hex'));
    });
  }

  it('ML_KEM_512: deterministic Encaps with the recorded randomness reproduces the ciphertext', () => {
    for (const v of vectors.filter((x) => x.encapsRandomness)) {
      const out = ml_kem512.encapsulate(hex(v.publicKey!), hex(v.encapsRandomness!));
      assert.equal(Buffer.from(out.cipherText).toString('hex'), v.ciphertext);
      assert.equal(Buffer.from(out.sharedSecret).toString('hex'), v.sharedSecret);
    }
  });
});
