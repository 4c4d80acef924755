import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RootKeyring } from '../../src/crypto/root-keyring.js';
import { secureRandom, type Random } from '../../src/crypto/random.js';

const ROOT = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const SECRET = Buffer.from('key material: 0123456789abcdef!!', 'utf8');
const AAD = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab#' + 'aa'.repeat(32);

/** Deterministic Random for checking what is drawn. */
function countingRandom(): Random & { drawn: number[] } {
  let n = 0;
  const drawn: number[] = [];
  return {
    drawn,
    bytes(size) {
      drawn.push(size);
      return Buffer.alloc(size, ++n);
    },
    uuid: () => '00000000-0000-4000-8000-000000000000',
  };
}

describe('RootKeyring wrap / unwrap', () => {
  const keyring = RootKeyring.fromBytes(ROOT, secureRandom);

  it('round-trips a secret, including an empty one', () => {
    assert.deepEqual(keyring.unwrap(keyring.wrap(SECRET, AAD), AAD), SECRET);
    assert.deepEqual(keyring.unwrap(keyring.wrap(Buffer.alloc(0), AAD), AAD), Buffer.alloc(0));
    assert.deepEqual(keyring.unwrap(keyring.wrap(SECRET, ''), ''), SECRET);
  });

  it('unwraps with a second keyring built from the same bytes', () => {
    const again = RootKeyring.fromBytes(Buffer.from(ROOT), secureRandom);
    assert.deepEqual(again.id, keyring.id);
    assert.deepEqual(again.unwrap(keyring.wrap(SECRET, AAD), AAD), SECRET);
  });

  it('draws a fresh 12-byte IV per wrap, so two wraps of one secret differ', () => {
    const random = countingRandom();
    const k = RootKeyring.fromBytes(ROOT, random);
    const a = k.wrap(SECRET, AAD);
    const b = k.wrap(SECRET, AAD);
    assert.deepEqual(random.drawn, [12, 12]);
    assert.notDeepEqual(a, b);
    assert.deepEqual(k.unwrap(b, AAD), SECRET);
    assert.equal(a.length, 1 + 8 + 12 + 16 + SECRET.length);
  });

  it('refuses a wrong AAD', () => {
    const blob = keyring.wrap(SECRET, AAD);
    for (const wrong of ['', AAD + ' ', AAD.toUpperCase(), AAD.slice(0, -1), 'other']) {
      assert.throws(() => keyring.unwrap(blob, wrong), /failed authentication/, JSON.stringify(wrong));
    }
  });

  it('refuses every single-bit flip and every truncation', () => {
    const blob = keyring.wrap(SECRET, AAD);
    for (let byte = 0; byte < blob.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(blob);
        bad[byte] ^= 1 << bit;
        assert.throws(() => keyring.unwrap(bad, AAD), Error, `flip byte ${byte} bit ${bit}`);
      }
    }
    for (let len = 0; len < blob.length; len++) {
      assert.throws(() => keyring.unwrap(blob.subarray(0, len), AAD), Error, `truncated to ${len}`);
    }
  });

  it('refuses a blob wrapped by another root key', () => {
    const otherBytes = Buffer.from(ROOT);
    otherBytes[0] ^= 0x80;
    const other = RootKeyring.fromBytes(otherBytes, secureRandom);
    assert.notDeepEqual(other.id, keyring.id);
    assert.throws(() => other.unwrap(keyring.wrap(SECRET, AAD), AAD), /another root key/);
    // Even with the id bytes forged to match, authentication fails.
    const forged = keyring.wrap(SECRET, AAD);
    other.id.copy(forged, 1);
    assert.throws(() => other.unwrap(forged, AAD));
    assert.throws(() => keyring.unwrap(forged, AAD));
  });

  it('never contains the secret or any 8-byte piece of it', () => {
    const secret = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff));
    const blob = keyring.wrap(secret, AAD);
    assert.equal(blob.indexOf(secret), -1);
    for (let i = 0; i + 8 <= secret.length; i++) {
      assert.equal(blob.indexOf(secret.subarray(i, i + 8)), -1, `window at ${i}`);
    }
    assert.equal(blob.toString('latin1').includes('key material'), false);
    assert.equal(keyring.wrap(SECRET, AAD).toString('latin1').includes('key material'), false);
  });

  it('refuses a root key that is not 32 bytes', () => {
    assert.throws(() => RootKeyring.fromBytes(Buffer.alloc(16), secureRandom), /32 bytes/);
    assert.throws(() => RootKeyring.fromBytes(Buffer.alloc(33), secureRandom), /32 bytes/);
  });
});

describe('RootKeyring.fromFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'locksmith-root-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a 0600 file holding 32 random bytes in base64, in a 0700 directory', () => {
    const path = join(dir, 'data', 'root.key');
    RootKeyring.fromFile(path, secureRandom, true);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700);
    const text = readFileSync(path, 'utf8');
    assert.match(text, /^[A-Za-z0-9+/]{43}=\n?$/);
    assert.equal(Buffer.from(text.trim(), 'base64').length, 32);
  });

  it('writes the bytes its Random returned', () => {
    const path = join(dir, 'root.key');
    const random = countingRandom();
    const keyring = RootKeyring.fromFile(path, random, true);
    assert.deepEqual(random.drawn, [32]);
    assert.deepEqual(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64'), Buffer.alloc(32, 1));
    assert.deepEqual(keyring.id, RootKeyring.fromBytes(Buffer.alloc(32, 1), secureRandom).id);
  });

  it('reuses the existing file on a second call', () => {
    const path = join(dir, 'root.key');
    const first = RootKeyring.fromFile(path, secureRandom, true);
    const content = readFileSync(path, 'utf8');
    const blob = first.wrap(SECRET, AAD);
    const second = RootKeyring.fromFile(path, secureRandom, true);
    const third = RootKeyring.fromFile(path, secureRandom, false);
    assert.equal(readFileSync(path, 'utf8'), content);
    assert.deepEqual(second.id, first.id);
    assert.deepEqual(second.unwrap(blob, AAD), SECRET);
    assert.deepEqual(third.unwrap(blob, AAD), SECRET);
  });

  it('throws on a missing file when create is false, and creates nothing', () => {
    const path = join(dir, 'missing', 'root.key');
    assert.throws(() => RootKeyring.fromFile(path, secureRandom, false), /does not exist/);
    assert.equal(existsSync(path), false);
  });

  it('refuses a file that does not hold 32 bytes', () => {
    const path = join(dir, 'short.key');
    writeFileSync(path, Buffer.alloc(16, 3).toString('base64') + '\n', { mode: 0o600 });
    assert.throws(() => RootKeyring.fromFile(path, secureRandom, true), /32 bytes/);
  });

  it('loads a supplied key file, tolerating surrounding whitespace', () => {
    const path = join(dir, 'supplied.key');
    writeFileSync(path, '  ' + ROOT.toString('base64') + '\r\n\n', { mode: 0o600 });
    const loaded = RootKeyring.fromFile(path, secureRandom, false);
    assert.deepEqual(loaded.id, RootKeyring.fromBytes(ROOT, secureRandom).id);
    assert.deepEqual(loaded.unwrap(RootKeyring.fromBytes(ROOT, secureRandom).wrap(SECRET, AAD), AAD), SECRET);
  });
});
