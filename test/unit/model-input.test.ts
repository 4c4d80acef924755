import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readInput, compilePattern, validationMessage } from '../../src/model/shape-input.js';
import { AwsError } from '../../src/errors/aws-error.js';

const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');
const KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';

function rejects(op: string, body: unknown, code: string, message: string | RegExp): void {
  assert.throws(() => readInput(op, body), (e: unknown) => {
    assert.ok(e instanceof AwsError, `expected AwsError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.status, 400);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}
const invalid = (op: string, body: unknown, ...errors: string[]) =>
  rejects(op, body, 'ValidationException', validationMessage(errors));
const badType = (op: string, body: unknown, message: string | RegExp) =>
  rejects(op, body, 'SerializationException', message);
const lenErr = (v: string | null, path: string, op: 'greater' | 'less', n: number) =>
  `Value ${v === null ? '' : `'${v}' `}at '${path}' failed to satisfy constraint: Member must have length ${op} than or equal to ${n}`;
const valErr = (v: number, path: string, op: 'greater' | 'less', n: number) =>
  `Value '${v}' at '${path}' failed to satisfy constraint: Member must have value ${op} than or equal to ${n}`;
const nullErr = (path: string) => `Value null at '${path}' failed to satisfy constraint: Member must not be null`;

test('deserializes: blobs to Buffer, unknown members dropped, null means absent', () => {
  const out = readInput('Encrypt', { KeyId: KEY, Plaintext: 'aGVsbG8=', Bogus: 1, GrantTokens: null });
  assert.deepEqual(Object.keys(out), ['KeyId', 'Plaintext']);
  assert.ok(Buffer.isBuffer(out.Plaintext));
  assert.equal((out.Plaintext as Buffer).toString(), 'hello');
  assert.deepEqual(readInput('ListKeys', {}), {});
});

test('timestamps become Dates (epoch seconds, fraction kept)', () => {
  const out = readInput('ImportKeyMaterial', { KeyId: KEY, ImportToken: b64(4), EncryptedKeyMaterial: b64(4), ValidTo: 1700000000.5 });
  assert.ok(out.ValidTo instanceof Date);
  assert.equal((out.ValidTo as Date).getTime(), 1700000000500);
  badType('ImportKeyMaterial', { KeyId: KEY, ImportToken: b64(4), EncryptedKeyMaterial: b64(4), ValidTo: '2024-01-01' },
    'class java.lang.String can not be converted to a Timestamp');
});

test('maps keep "__proto__" as a plain key', () => {
  const body = JSON.parse('{"KeyId":"k","Plaintext":"AA==","EncryptionContext":{"__proto__":"x","a":"b"}}');
  const ctx = readInput('Encrypt', body).EncryptionContext as Record<string, string>;
  assert.deepEqual(Object.entries(ctx), [['__proto__', 'x'], ['a', 'b']]);
  assert.equal(Object.getPrototypeOf(ctx), Object.prototype);
});

test('missing required members: plural message, member order', () => {
  invalid('Encrypt', {}, nullErr('keyId'), nullErr('plaintext'));
  assert.throws(() => readInput('Encrypt', {}), { message: /^2 validation errors detected: Value null at 'keyId'/ });
  invalid('Encrypt', { KeyId: KEY }, nullErr('plaintext'));
  assert.throws(() => readInput('Encrypt', { KeyId: KEY }), { message: /^1 validation error detected: / });
});

test('string length in code points, just inside and outside', () => {
  readInput('DescribeKey', { KeyId: 'k'.repeat(2048) });
  readInput('DescribeKey', { KeyId: '😀'.repeat(2048) }); // 4096 UTF-16 units, 2048 code points
  invalid('DescribeKey', { KeyId: 'k'.repeat(2049) }, lenErr('k'.repeat(2049), 'keyId', 'less', 2048));
  readInput('DescribeKey', { KeyId: 'k' });
  invalid('DescribeKey', { KeyId: '' }, lenErr('', 'keyId', 'greater', 1));
  assert.throws(() => readInput('DescribeKey', { KeyId: '' }), {
    message: "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1",
  });
});

test('sensitive blob: decoded length bounds, value omitted', () => {
  readInput('Encrypt', { KeyId: KEY, Plaintext: b64(4096) });
  readInput('Encrypt', { KeyId: KEY, Plaintext: b64(1) });
  invalid('Encrypt', { KeyId: KEY, Plaintext: b64(4097) }, lenErr(null, 'plaintext', 'less', 4096));
  invalid('Encrypt', { KeyId: KEY, Plaintext: '' }, lenErr(null, 'plaintext', 'greater', 1));
  assert.throws(() => readInput('Encrypt', { KeyId: KEY, Plaintext: '' }), {
    message: "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1",
  });
});

test('non-sensitive blob prints as a Java ByteBuffer description', () => {
  readInput('Decrypt', { CiphertextBlob: b64(6144) });
  invalid('Decrypt', { CiphertextBlob: b64(6145) },
    lenErr('java.nio.HeapByteBuffer[pos=0 lim=6145 cap=6145]', 'ciphertextBlob', 'less', 6144));
});

test('integer ranges', () => {
  for (const n of [1, 1024]) assert.equal(readInput('GenerateRandom', { NumberOfBytes: n }).NumberOfBytes, n);
  invalid('GenerateRandom', { NumberOfBytes: 0 }, valErr(0, 'numberOfBytes', 'greater', 1));
  invalid('GenerateRandom', { NumberOfBytes: 1025 }, valErr(1025, 'numberOfBytes', 'less', 1024));
  readInput('ScheduleKeyDeletion', { KeyId: KEY, PendingWindowInDays: 365 });
  invalid('ScheduleKeyDeletion', { KeyId: KEY, PendingWindowInDays: 366 }, valErr(366, 'pendingWindowInDays', 'less', 365));
  readInput('EnableKeyRotation', { KeyId: KEY, RotationPeriodInDays: 90 });
  invalid('EnableKeyRotation', { KeyId: KEY, RotationPeriodInDays: 89 }, valErr(89, 'rotationPeriodInDays', 'greater', 90));
  readInput('ListKeys', { Limit: 1000 });
  invalid('ListKeys', { Limit: 1001 }, valErr(1001, 'limit', 'less', 1000));
});

test('list size and scalar list members', () => {
  const tokens = (n: number) => Array.from({ length: n }, (_, i) => `t${i}`);
  readInput('Encrypt', { KeyId: KEY, Plaintext: b64(1), GrantTokens: tokens(10) });
  readInput('Encrypt', { KeyId: KEY, Plaintext: b64(1), GrantTokens: [] });
  // Grant tokens are bearer secrets: never echoed (issue #11), unlike Coral, which prints the list.
  invalid('Encrypt', { KeyId: KEY, Plaintext: b64(1), GrantTokens: tokens(11) },
    "Value at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10");
  invalid('Encrypt', { KeyId: KEY, Plaintext: b64(1), GrantTokens: ['a', ''] },
    "Value at 'grantTokens' failed to satisfy constraint: Member must satisfy constraint: " +
    '[Member must have length less than or equal to 8192, Member must have length greater than or equal to 1]');
  invalid('UntagResource', { KeyId: KEY, TagKeys: ['x'.repeat(129)] },
    `Value '[${'x'.repeat(129)}]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: ` +
    '[Member must have length less than or equal to 128, Member must have length greater than or equal to 1]');
});

test('enum: model order', () => {
  readInput('CreateKey', { KeyUsage: 'ENCRYPT_DECRYPT', KeySpec: 'HMAC_256' });
  invalid('CreateKey', { KeyUsage: 'RANDOM' },
    "Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [SIGN_VERIFY, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT, ENCAPSULATE_DECAPSULATE]");
  invalid('GenerateDataKey', { KeyId: KEY, KeySpec: 'AES_257' },
    "Value 'AES_257' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: [AES_256, AES_128]");
  assert.throws(() => readInput('CreateGrant', { KeyId: KEY, Operations: ['Decrypt', 'Nope'] }),
    { message: /^1 validation error detected: Value '\[Decrypt, Nope\]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: \[Member must satisfy enum value set: \[Decrypt, Encrypt, / });
});

test('pattern: AliasNameType, full match, length before pattern', () => {
  readInput('CreateAlias', { AliasName: 'alias/my-alias_1:x', TargetKeyId: KEY });
  invalid('CreateAlias', { AliasName: 'alias/my alias', TargetKeyId: KEY },
    "Value 'alias/my alias' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$");
  invalid('CreateAlias', { AliasName: '', TargetKeyId: KEY }, lenErr('', 'aliasName', 'greater', 1),
    "Value '' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$");
  invalid('CreateAlias', { AliasName: 'alias/x\n', TargetKeyId: KEY },
    "Value 'alias/x\n' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$");
});

test('pattern: PolicyType with \\u escapes', () => {
  const policyErr = (v: string) =>
    `Value '${v}' at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+`;
  readInput('PutKeyPolicy', { KeyId: KEY, Policy: '{\t"a":\r\n"ÿ ~"}' });
  invalid('PutKeyPolicy', { KeyId: KEY, Policy: '{"a":"Ā"}' }, policyErr('{"a":"Ā"}'));
  invalid('PutKeyPolicy', { KeyId: KEY, Policy: '{\u0001}' }, policyErr('{\u0001}'));
  readInput('PutKeyPolicy', { KeyId: KEY, Policy: 'p'.repeat(131072) });
  invalid('PutKeyPolicy', { KeyId: KEY, Policy: '' }, lenErr('', 'policy', 'greater', 1),
    "Value '' at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
});

test('compilePattern: Java semantics', () => {
  const ws = compilePattern('^[a-zA-Z0-9:/_\\s.-]+$');
  assert.ok(ws.test('a b\tc'));
  assert.ok(!ws.test('a\u00a0b'), 'Java \\s is ASCII whitespace only');
  assert.ok(!compilePattern('[0-9]{12}').test('1234567890123'), 'full match, not find');
  assert.ok(compilePattern('^(/[a-zA-Z0-9\\/_-]+/kms/xks/v\\d{1,2})$|^(/kms/xks/v\\d{1,2})$').test('/kms/xks/v1'));
});

test('nested tag paths, 1-based, and many errors', () => {
  readInput('CreateKey', { Tags: [{ TagKey: 'k'.repeat(128), TagValue: 'v'.repeat(256) }, { TagKey: 'a', TagValue: '' }] });
  const longKey = 'a'.repeat(129);
  invalid('CreateKey', { Tags: [{ TagKey: longKey, TagValue: 'v' }] }, lenErr(longKey, 'tags.1.member.tagKey', 'less', 128));
  invalid('CreateKey', { Tags: [{ TagKey: 'ok', TagValue: 'v'.repeat(257) }, { TagKey: 'b' }] },
    lenErr('v'.repeat(257), 'tags.1.member.tagValue', 'less', 256), nullErr('tags.2.member.tagValue'));
  invalid('CreateKey', { KeyUsage: 'X', Tags: [{ TagKey: '' , TagValue: 'v' }] },
    "Value 'X' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: [SIGN_VERIFY, ENCRYPT_DECRYPT, GENERATE_VERIFY_MAC, KEY_AGREEMENT, ENCAPSULATE_DECAPSULATE]",
    lenErr('', 'tags.1.member.tagKey', 'greater', 1));
  const many = Array.from({ length: 12 }, () => ({ TagKey: '' , TagValue: 'v' }));
  assert.throws(() => readInput('CreateKey', { Tags: many }), { message: /^10 validation errors detected: (.*; ){9}[^;]*$/ });
});

test('wrong types are SerializationExceptions', () => {
  badType('DescribeKey', { KeyId: 5 }, 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber can not be converted to an String');
  badType('DescribeKey', { KeyId: true }, 'class java.lang.Boolean can not be converted to an String');
  badType('DescribeKey', { KeyId: {} }, 'Start of structure or map found where not expected.');
  badType('DescribeKey', { KeyId: ['k'] }, 'Start of list found where not expected');
  badType('GenerateRandom', { NumberOfBytes: '5' }, 'class java.lang.String can not be converted to an Integer');
  badType('GenerateRandom', { NumberOfBytes: 1.5 }, "'1.5' can not be converted to an Integer");
  badType('GenerateRandom', { NumberOfBytes: 2 ** 31 }, /can not be converted to an Integer/);
  badType('CreateKey', { MultiRegion: 'true' }, "'TRUE' can not be converted to an Boolean");
  badType('CreateKey', { MultiRegion: 1 }, /TruncatingBigNumber can not be converted to an Boolean/);
  badType('CreateKey', { Tags: {} }, 'Start of structure or map found where not expected.');
  badType('CreateKey', { Tags: 'x' }, 'Expected list or null');
  badType('CreateKey', { Tags: ['x'] }, 'Expected null');
  badType('CreateKey', { Tags: [[]] }, 'Start of list found where not expected');
  badType('Encrypt', { KeyId: KEY, Plaintext: 'AA==', EncryptionContext: [] }, 'Start of list found where not expected');
  badType('Encrypt', { KeyId: KEY, Plaintext: 'AA==', EncryptionContext: 'x' }, 'Expected map or null');
  badType('Encrypt', { KeyId: KEY, Plaintext: 'AA==', EncryptionContext: { a: 1 } }, /converted to an String/);
  badType('Encrypt', { KeyId: KEY, Plaintext: 7 }, /TruncatingBigNumber can not be converted to a Blob/);
});

test('top-level body must be a JSON object', () => {
  badType('ListKeys', undefined, '');
  badType('ListKeys', null, '');
  badType('ListKeys', [], 'Start of list found where not expected');
  badType('ListKeys', 'x', 'Expected null');
  assert.throws(() => readInput('NoSuchOperation', {}), (e: unknown) => !(e instanceof AwsError));
});

test('invalid base64', () => {
  badType('Decrypt', { CiphertextBlob: '23456' },
    "'23456' can not be converted to a Blob: Base64 encoded length is expected a multiple of 4 bytes but found: 5");
  badType('Decrypt', { CiphertextBlob: 'ab$d' }, "'ab$d' can not be converted to a Blob: Invalid Base64 character: '$'");
  badType('Decrypt', { CiphertextBlob: 'ab-_' }, /Invalid Base64 character: '-'/);
  badType('Decrypt', { CiphertextBlob: 'QQ=A' }, /Invalid Base64 character: '='/);
  badType('Decrypt', { CiphertextBlob: 'QR==' }, /Invalid last non-pad Base64 character/);
  // Sensitive values are never echoed.
  assert.throws(() => readInput('Encrypt', { KeyId: KEY, Plaintext: 'c2VjcmV0!!!!' }), (e: unknown) => {
    assert.ok(e instanceof AwsError && e.code === 'SerializationException');
    assert.ok(!e.message.includes('c2VjcmV0'), e.message);
    return true;
  });
});
