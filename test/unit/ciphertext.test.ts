import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CIPHERTEXT_VERSION_1, openCiphertext, parseCiphertext, sealCiphertext, type CiphertextHeader,
} from '../../src/domain/ciphertext.js';
import type { EncryptionContext } from '../../src/domain/encryption-context.js';

interface Vector {
  description: string;
  keyMaterial: string;
  account: string;
  keyId: string;
  keyMaterialId: string;
  iv: string;
  encryptionContext: EncryptionContext | null;
  plaintext?: string;
  plaintextGenerator?: { length: number; modulus: number };
  blob: string;
}

const file = JSON.parse(readFileSync(join(import.meta.dirname, '../vectors/ciphertext-v1.json'), 'utf8')) as { vectors: Vector[] };
const vectors = file.vectors;

function plaintextOf(v: Vector): Buffer {
  if (v.plaintext !== undefined) return Buffer.from(v.plaintext, 'hex');
  const g = v.plaintextGenerator!;
  return Buffer.from(Array.from({ length: g.length }, (_, i) => i % g.modulus));
}
const ctxOf = (v: Vector): EncryptionContext | undefined => v.encryptionContext ?? undefined;
const material = (v: Vector): Buffer => Buffer.from(v.keyMaterial, 'hex');
const headerOf = (v: Vector): CiphertextHeader => ({ account: v.account, keyId: v.keyId, keyMaterialId: v.keyMaterialId });

/** Parses and opens; undefined when either step refuses. */
function tryOpen(blob: Buffer, key: Buffer, ctx: EncryptionContext | undefined): Buffer | undefined {
  const parsed = parseCiphertext(blob);
  return parsed && openCiphertext(parsed, key, ctx);
}

describe('ciphertext v1 known-answer vectors', () => {
  it('the vector file covers the required cases', () => {
    const d = vectors.map((v) => v.description).join('\n');
    for (const needle of ['empty encryption context', 'absent encryption context', 'non-ASCII', 'mrk-', '1-byte', '4096-byte', '{"ab":"c"}']) {
      assert.ok(d.includes(needle), `missing vector: ${needle}`);
    }
    assert.ok(vectors.some((v) => v.encryptionContext === null));
    assert.ok(vectors.some((v) => v.keyId.startsWith('mrk-')));
    assert.ok(vectors.some((v) => plaintextOf(v).length === 4096 && plaintextOf(v)[300] === 300 % 251));
  });

  for (const v of vectors) {
    describe(v.description, () => {
      const blob = Buffer.from(v.blob, 'base64');

      it('parses the header fields', () => {
        const parsed = parseCiphertext(blob);
        assert.ok(parsed, 'parses');
        assert.equal(parsed.account, v.account);
        assert.equal(parsed.keyId, v.keyId);
        assert.equal(parsed.keyMaterialId, v.keyMaterialId);
        assert.equal(parsed.iv.toString('hex'), v.iv);
        assert.equal(blob[0], CIPHERTEXT_VERSION_1);
      });

      it('opens to the plaintext', () => {
        const opened = tryOpen(blob, material(v), ctxOf(v));
        assert.ok(opened, 'opens');
        assert.deepEqual(opened, plaintextOf(v));
      });

      it('sealing with the vector IV reproduces the blob byte for byte', () => {
        const sealed = sealCiphertext(headerOf(v), material(v), plaintextOf(v), ctxOf(v), Buffer.from(v.iv, 'hex'));
        assert.equal(sealed.toString('base64'), v.blob);
      });

      it('an absent and an empty context are interchangeable, a non-empty one is not', () => {
        if (ctxOf(v) === undefined || Object.keys(ctxOf(v)!).length === 0) {
          assert.deepEqual(tryOpen(blob, material(v), {}), plaintextOf(v));
          assert.deepEqual(tryOpen(blob, material(v), undefined), plaintextOf(v));
          assert.equal(tryOpen(blob, material(v), { k: 'v' }), undefined);
        } else {
          assert.equal(tryOpen(blob, material(v), undefined), undefined);
          assert.equal(tryOpen(blob, material(v), {}), undefined);
        }
      });
    });
  }
});

describe('ciphertext v1 refuses tampering', () => {
  const v = vectors.find((x) => x.description.startsWith('1-byte'))!;
  const blob = Buffer.from(v.blob, 'base64');
  const key = material(v);
  const ctx = ctxOf(v);

  it('every single-bit flip fails to parse or to open', () => {
    assert.ok(tryOpen(blob, key, ctx), 'the untouched blob opens');
    let flips = 0;
    for (let byte = 0; byte < blob.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(blob);
        bad[byte] ^= 1 << bit;
        assert.equal(tryOpen(bad, key, ctx), undefined, `flip of byte ${byte} bit ${bit}`);
        flips++;
      }
    }
    assert.equal(flips, blob.length * 8);
  });

  it('every truncation fails, as does an appended byte', () => {
    for (let len = 0; len < blob.length; len++) {
      assert.equal(tryOpen(blob.subarray(0, len), key, ctx), undefined, `truncated to ${len} bytes`);
    }
    assert.equal(tryOpen(Buffer.concat([blob, Buffer.from([0])]), key, ctx), undefined);
  });

  it('a different key material fails', () => {
    const other = Buffer.from(key);
    other[31] ^= 0x01;
    assert.equal(tryOpen(blob, other, ctx), undefined);
    assert.equal(tryOpen(blob, Buffer.alloc(32), ctx), undefined);
    assert.equal(tryOpen(blob, key.subarray(0, 16), ctx), undefined);
  });

  it('a wrong version byte is not parsed', () => {
    for (const version of [0x00, 0x02, 0x81, 0xff]) {
      const bad = Buffer.from(blob);
      bad[0] = version;
      assert.equal(parseCiphertext(bad), undefined, `version ${version}`);
    }
  });

  it('a key id length byte out of range (0, 65, 255) is not parsed, however long the blob', () => {
    const padded = Buffer.concat([blob, Buffer.alloc(400, 0x41)]);
    for (const length of [0, 65, 255]) {
      const bad = Buffer.from(padded);
      bad[13] = length;
      assert.equal(parseCiphertext(bad), undefined, `key id length ${length}`);
    }
  });

  it('a non-digit account or non-id characters in the key id are not parsed', () => {
    const badAccount = Buffer.from(blob);
    badAccount[5] = 0x41;
    assert.equal(parseCiphertext(badAccount), undefined);
    const badKeyId = Buffer.from(blob);
    badKeyId[14] = 0x2f; // '/'
    assert.equal(parseCiphertext(badKeyId), undefined);
  });
});

describe('ciphertext v1 binds the encryption context', () => {
  const key = Buffer.alloc(32, 7);
  const iv = Buffer.alloc(12, 9);
  const header: CiphertextHeader = { account: '111122223333', keyId: '1234abcd-12ab-34cd-56ef-1234567890ab', keyMaterialId: 'aa'.repeat(32) };
  const pt = Buffer.from('context-bound');
  const seal = (ctx: EncryptionContext | undefined) => sealCiphertext(header, key, pt, ctx, iv);

  it('opens with the same context given in any order', () => {
    const blob = seal({ a: '1', b: '2', c: '3' });
    assert.deepEqual(tryOpen(blob, key, { c: '3', a: '1', b: '2' }), pt);
  });

  it('a changed value, key or case fails', () => {
    const blob = seal({ purpose: 'backup' });
    const wrongs: EncryptionContext[] = [{ purpose: 'Backup' }, { Purpose: 'backup' }, { purpose: 'backup ' }, { purpose: '' }];
    for (const wrong of wrongs) {
      assert.equal(tryOpen(blob, key, wrong), undefined, JSON.stringify(wrong));
    }
  });

  it('{"ab":"c"} and {"a":"bc"} do not open each other, both ways', () => {
    assert.deepEqual(tryOpen(seal({ ab: 'c' }), key, { ab: 'c' }), pt);
    assert.equal(tryOpen(seal({ ab: 'c' }), key, { a: 'bc' }), undefined);
    assert.equal(tryOpen(seal({ a: 'bc' }), key, { ab: 'c' }), undefined);
  });

  it('an extra pair or a missing pair fails', () => {
    const blob = seal({ a: '1', b: '2' });
    assert.equal(tryOpen(blob, key, { a: '1', b: '2', c: '3' }), undefined);
    assert.equal(tryOpen(blob, key, { a: '1' }), undefined);
    assert.equal(tryOpen(blob, key, undefined), undefined);
  });

  it('the same plaintext under another key id, account or material id is a different blob that does not open as the first', () => {
    const base = seal({});
    for (const change of [{ keyId: 'mrk-1234abcd12ab34cd56ef1234567890ab' }, { account: '111122223334' }, { keyMaterialId: 'ab'.repeat(32) }]) {
      const other = sealCiphertext({ ...header, ...change }, key, pt, {}, iv);
      assert.notDeepEqual(other, base);
      // Splice the other header onto the first blob's IV, tag and body: authentication must fail.
      const parsedOther = parseCiphertext(other)!;
      const parsedBase = parseCiphertext(base)!;
      const spliced = Buffer.concat([parsedOther.header, parsedBase.iv, parsedBase.tag, parsedBase.body]);
      assert.equal(tryOpen(spliced, key, {}), undefined, JSON.stringify(change));
    }
  });
});

describe('sealCiphertext validates its inputs', () => {
  const header: CiphertextHeader = { account: '111122223333', keyId: 'k', keyMaterialId: '00'.repeat(32) };
  const seal = (h: Partial<CiphertextHeader>, iv = Buffer.alloc(12)) =>
    sealCiphertext({ ...header, ...h }, Buffer.alloc(32), Buffer.from('x'), undefined, iv);

  it('accepts key ids of 1 and 64 characters', () => {
    assert.equal(parseCiphertext(seal({ keyId: 'k' }))?.keyId, 'k');
    assert.equal(parseCiphertext(seal({ keyId: 'k'.repeat(64) }))?.keyId, 'k'.repeat(64));
  });

  it('refuses a bad account, key id, material id or IV', () => {
    assert.throws(() => seal({ account: '12345678901' }));
    assert.throws(() => seal({ account: '12345678901a' }));
    assert.throws(() => seal({ keyId: '' }));
    assert.throws(() => seal({ keyId: 'k'.repeat(65) }));
    assert.throws(() => seal({ keyMaterialId: '00'.repeat(31) }));
    assert.throws(() => seal({ keyMaterialId: '00'.repeat(33) }));
    assert.throws(() => seal({}, Buffer.alloc(16)));
  });
});
