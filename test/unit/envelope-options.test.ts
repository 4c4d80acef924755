import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/cli/envelope/errors.js';
import { partitionOf } from '../../src/cli/envelope/materials.js';
import { parseOptions, type RawOptions } from '../../src/cli/envelope/options.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const raw = (o: Partial<RawOptions>): RawOptions => ({ key: [], context: [], ...o });
const refused = (direction: 'encrypt' | 'decrypt', o: Partial<RawOptions>, message: RegExp) =>
  assert.throws(() => parseOptions(direction, raw(o)), (e: Error) => e instanceof UsageError && message.test(e.message));

describe('locksmith encrypt/decrypt options', () => {
  it('defaults: REQUIRE_ENCRYPT_REQUIRE_DECRYPT, stdin, no data key cache for one message, 60 s / 1000 messages with --recursive', () => {
    const one = parseOptions('encrypt', raw({ key: ['alias/app'] }));
    assert.equal(one.commitmentPolicy, 'REQUIRE_ENCRYPT_REQUIRE_DECRYPT');
    assert.equal(one.input, '-');
    assert.equal(one.cache, undefined);
    assert.equal(one.maxEncryptedDataKeys, false);
    const tree = parseOptions('encrypt', raw({ key: ['alias/app'], recursive: true, in: 'dir' }));
    assert.deepEqual(tree.cache, { maxAgeMs: 60_000, maxMessages: 1000 });
    assert.equal(parseOptions('encrypt', raw({ key: ['k'], recursive: true, in: 'dir', cacheMaxAge: '0' })).cache, undefined);
    assert.deepEqual(parseOptions('decrypt', raw({ key: [ARN], cacheMaxAge: '2.5', cacheMaxMessages: '7' })).cache, { maxAgeMs: 2500, maxMessages: 7 });
  });

  it('encryption context pairs: split at the first =, empty values allowed, reserved prefix and conflicts refused', () => {
    assert.deepEqual(parseOptions('encrypt', raw({ key: ['k'], context: ['a=b=c', 'empty=', 'a=b=c'] })).context, { a: 'b=c', empty: '' });
    refused('encrypt', { key: ['k'], context: ['novalue'] }, /key=value/);
    refused('encrypt', { key: ['k'], context: ['=v'] }, /key=value/);
    refused('encrypt', { key: ['k'], context: ['aws-crypto-public-key=x'] }, /reserved/);
    refused('encrypt', { key: ['k'], context: ['a=1', 'a=2'] }, /twice/);
  });

  it('decrypt takes key ARNs or --discovery; --account only with --discovery; encrypt-only and decrypt-only options stay apart', () => {
    refused('decrypt', {}, /--key <key ARN>.*or --discovery/);
    refused('decrypt', { key: ['alias/app'] }, /must be a key ARN/);
    refused('decrypt', { key: ['1234abcd-12ab-34cd-56ef-1234567890ab'] }, /must be a key ARN/);
    refused('decrypt', { key: [ARN], account: ['111122223333'] }, /add --discovery/);
    refused('decrypt', { discovery: true, account: ['1111'] }, /12 digits/);
    refused('encrypt', {}, /needs --key/);
    refused('encrypt', { key: ['k'], discovery: true }, /for decrypt/);
    refused('encrypt', { key: ['k'], buffer: true }, /for decrypt/);
    refused('decrypt', { key: [ARN], frameLength: '4096' }, /for encrypt/);
    assert.deepEqual(parseOptions('decrypt', raw({ discovery: true, account: ['111122223333'] })).accounts, ['111122223333']);
  });

  it('numbers within the message format limits; weaker commitment policies only through --insecure-commitment-policy', () => {
    refused('encrypt', { key: ['k'], frameLength: '0' }, /frame-length/);
    refused('encrypt', { key: ['k'], frameLength: String(2 ** 32) }, /frame-length/);
    refused('decrypt', { key: [ARN], maxEncryptedDataKeys: '0' }, /max-encrypted-data-keys/);
    refused('decrypt', { key: [ARN], maxEncryptedDataKeys: '1.5' }, /max-encrypted-data-keys/);
    refused('encrypt', { key: ['k'], recursive: true, in: 'd', cacheMaxAge: '-1' }, /cache-max-age/);
    refused('encrypt', { key: ['k'], cacheMaxMessages: '5' }, /needs --cache-max-age/);
    refused('encrypt', { key: ['k'], recursive: true }, /--recursive needs --in DIR/);
    refused('decrypt', { key: [ARN], insecureCommitmentPolicy: 'NONE' }, /insecure-commitment-policy/);
    assert.equal(parseOptions('decrypt', raw({ key: [ARN], insecureCommitmentPolicy: 'REQUIRE_ENCRYPT_ALLOW_DECRYPT' })).commitmentPolicy, 'REQUIRE_ENCRYPT_ALLOW_DECRYPT');
    assert.equal(parseOptions('decrypt', raw({ key: [ARN], maxEncryptedDataKeys: '3' })).maxEncryptedDataKeys, 3);
  });

  it('discovery filter partition from the Region', () => {
    assert.deepEqual(['us-east-1', 'cn-north-1', 'us-gov-west-1', 'eu-west-1'].map(partitionOf), ['aws', 'aws-cn', 'aws-us-gov', 'aws']);
  });
});
