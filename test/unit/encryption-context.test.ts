import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { encodeEncryptionContext, type EncryptionContext } from '../../src/domain/encryption-context.js';

const hex = (ctx: EncryptionContext | undefined) => encodeEncryptionContext(ctx).toString('hex');
const u32 = (n: number) => n.toString(16).padStart(8, '0');
const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('hex');

/** Independent decoder of the documented layout; throws on any leftover or short input. */
function decode(buf: Buffer): Array<[string, string]> {
  let at = 0;
  const take = (n: number) => {
    if (at + n > buf.length) throw new Error('short');
    const out = buf.subarray(at, at + n);
    at += n;
    return out;
  };
  const readU32 = () => take(4).readUInt32BE(0);
  const count = readU32();
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < count; i++) {
    const k = take(readU32()).toString('utf8');
    const v = take(readU32()).toString('utf8');
    pairs.push([k, v]);
  }
  if (at !== buf.length) throw new Error('trailing bytes');
  return pairs;
}

describe('encryption context canonical encoding', () => {
  it('encodes a small context to known exact bytes', () => {
    // u32 count=1 | u32 2 | "ab" | u32 1 | "c"
    assert.equal(hex({ ab: 'c' }), '00000001' + '00000002' + '6162' + '00000001' + '63');
    assert.equal(hex({ a: 'bc' }), '00000001' + '00000001' + '61' + '00000002' + '6263');
    assert.equal(
      hex({ b: '2', a: '1' }),
      '00000002' + '00000001' + '61' + '00000001' + '31' + '00000001' + '62' + '00000001' + '32',
    );
  });

  it('encodes an absent and an empty context identically, as a zero count', () => {
    assert.equal(hex(undefined), '00000000');
    assert.equal(hex({}), '00000000');
  });

  it('is independent of insertion order', () => {
    const entries: Array<[string, string]> = [['zeta', '1'], ['alpha', '2'], ['Mid', '3'], ['é', '4'], ['', '5'], ['a', '6']];
    const forward = encodeEncryptionContext(Object.fromEntries(entries));
    const backward = encodeEncryptionContext(Object.fromEntries([...entries].reverse()));
    assert.deepEqual(forward, backward);
    for (let i = 0; i < 20; i++) {
      const shuffled = [...entries].sort(() => randomInt(3) - 1);
      assert.deepEqual(encodeEncryptionContext(Object.fromEntries(shuffled)), forward);
    }
  });

  it('orders keys by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF61 is EF BD A1 in UTF-8 but 0xFF61 in UTF-16; U+1F600 is F0 9F 98 80 but 0xD83D 0xDE00.
    // UTF-16 order puts the emoji first; UTF-8 byte order puts U+FF61 first.
    const half = '\uFF61';
    const emoji = '\u{1F600}';
    assert.ok(emoji < half, 'precondition: JS string comparison (UTF-16) orders the emoji first');
    const expected = '00000002' + u32(3) + 'efbda1' + u32(1) + utf8('x') + u32(4) + 'f09f9880' + u32(1) + utf8('y');
    assert.equal(hex({ [emoji]: 'y', [half]: 'x' }), expected);
    assert.equal(hex({ [half]: 'x', [emoji]: 'y' }), expected);
    assert.deepEqual(decode(encodeEncryptionContext({ [emoji]: 'y', [half]: 'x' })).map(([k]) => k), [half, emoji]);
  });

  it('orders by raw bytes: uppercase before lowercase, a prefix before its extensions', () => {
    const keys = decode(encodeEncryptionContext({ b: '', ab: '', a: '', B: '', 'a\u0000': '', 'é': '', z: '' })).map(([k]) => k);
    assert.deepEqual(keys, ['B', 'a', 'a\u0000', 'ab', 'b', 'z', 'é']);
  });

  it('length prefixes count UTF-8 bytes, not characters', () => {
    assert.equal(hex({ 'é': '\u{1F600}' }), '00000001' + u32(2) + 'c3a9' + u32(4) + 'f09f9880');
    assert.equal(hex({ '名前': '値' }), '00000001' + u32(6) + utf8('名前') + u32(3) + utf8('値'));
  });

  it('keeps empty keys and values distinguishable from absent ones', () => {
    assert.equal(hex({ '': '' }), '00000001' + '00000000' + '00000000');
    assert.notEqual(hex({ '': '' }), hex({}));
    assert.notEqual(hex({ a: '' }), hex({ '': 'a' }));
  });

  it('has no ambiguous pairs of contexts', () => {
    const cases: EncryptionContext[] = [
      {},
      { '': '' },
      { ab: 'c' },
      { a: 'bc' },
      { abc: '' },
      { '': 'abc' },
      { a: 'b', c: 'd' },
      { a: 'bc', '': 'd' },
      { a: '', b: '' },
      { ab: '' },
      { 'a=b': 'c' },
      { a: 'b=c' },
      { 'a,b': 'c' },
      { a: 'b', ',b': 'c' },
      { a: '\u0000\u0000\u0000\u0001b' },
      { a: '\u0000\u0000\u0000\u0001', b: '' },
      // A value that contains the encoding of a second pair.
      { a: 'x' + Buffer.from('0000000162000000017a', 'hex').toString('latin1') },
      { a: 'x', b: 'z' },
    ];
    const seen = new Map<string, string>();
    for (const ctx of cases) {
      const encoded = hex(ctx);
      const json = JSON.stringify(ctx);
      assert.equal(seen.get(encoded), undefined, `${json} encodes like ${seen.get(encoded)}`);
      seen.set(encoded, json);
    }
    assert.equal(seen.size, cases.length);
  });

  it('decodes back to exactly the context it encoded (so it is injective)', () => {
    const alphabet = ['a', 'b', 'A', '', '=', ',', '\u0000', 'é', '\uFF61', '\u{1F600}', '名', ' ', '"'];
    const word = () => Array.from({ length: randomInt(4) }, () => alphabet[randomInt(alphabet.length)]).join('');
    for (let i = 0; i < 300; i++) {
      const ctx: EncryptionContext = {};
      for (let n = randomInt(5); n > 0; n--) ctx[word()] = word();
      const pairs = decode(encodeEncryptionContext(ctx));
      assert.deepEqual(Object.fromEntries(pairs), ctx);
      assert.equal(pairs.length, Object.keys(ctx).length);
      const keyBytes = pairs.map(([k]) => Buffer.from(k, 'utf8'));
      for (let j = 1; j < keyBytes.length; j++) assert.ok(Buffer.compare(keyBytes[j - 1], keyBytes[j]) < 0, 'keys strictly ascending');
    }
  });

  it('uses big-endian 32-bit lengths', () => {
    const long = 'v'.repeat(0x0102);
    const encoded = encodeEncryptionContext({ k: long });
    assert.equal(encoded.length, 4 + 4 + 1 + 4 + 0x0102);
    assert.deepEqual([...encoded.subarray(9, 13)], [0x00, 0x00, 0x01, 0x02]);
  });
});
