/**
 * Malformed KMS requests, each one built from (seed, index) alone so any failure replays exactly.
 * Every case is invalid by construction — a wrong JSON type, a broken constraint from the model,
 * a missing required member, a truncated or garbled body, a tampered ciphertext, an unknown target,
 * bad auth — so the only right answer is an AWS-shaped 4xx.
 */
import { randomUUID } from 'node:crypto';
import { operationInfo, shape, type Shape } from '../../../src/model/kms-model.js';
import { compilePattern } from '../../../src/model/shape-input.js';
import { Prng } from './prng.js';
import { badAuth } from './fuzz-auth.js';
import { kmsHeaders, signRaw, type Credentials, type WireRequest } from './sign.js';

export interface FuzzFixture {
  endpoint: string;
  credentials: Credentials;
  account: string;
  keyId: string;
  keyArn: string;
  otherKeyId: string;
  disabledKeyId: string;
  pendingKeyId: string;
  alias: string;
  grantId: string;
  grantToken: string;
  /** A ciphertext under keyId with `context`. */
  ciphertext: Buffer;
  context: Record<string, string>;
  /** ECC_NIST_P256 SIGN_VERIFY and HMAC_256 keys, when those operations are implemented. */
  signKeyId?: string;
  macKeyId?: string;
  agreementKeyId?: string;
}

export type Category = 'member' | 'required' | 'semantic' | 'body' | 'headers' | 'auth' | 'huge';

export interface FuzzCase {
  index: number;
  op: string;
  category: Category;
  what: string;
  request: WireRequest;
  /** Signed correctly, so the answer must come from past SigV4 (not an authentication error). */
  reachesProtocol: boolean;
  /** Bodies over the 1 MiB limit: the server may close the connection while the body is still being sent. */
  oversize?: boolean;
}

/** Deterministic per-case PRNG: the same (seed, index) always builds the same case. */
export const caseRng = (seed: number, index: number) => new Prng((Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35)) >>> 0);

const b64 = (b: Buffer) => b.toString('base64');

/** Plausible valid inputs, so a single mutation reaches the deeper checks of each operation. */
function baseInput(op: string, f: FuzzFixture, rng: Prng): Record<string, unknown> {
  const key = f.keyId;
  switch (op) {
    case 'CancelKeyDeletion': case 'DescribeKey': case 'DisableKey': case 'EnableKey': case 'ListKeyPolicies': case 'ListResourceTags': case 'ListGrants':
      return { KeyId: key };
    case 'CreateAlias': case 'UpdateAlias':
      return { AliasName: `alias/fuzz-${rng.int(0, 1e9)}`, TargetKeyId: key };
    case 'DeleteAlias': return { AliasName: f.alias };
    case 'CreateGrant': return { KeyId: key, GranteePrincipal: `arn:aws:iam::${f.account}:root`, Operations: ['Decrypt'] };
    case 'CreateKey': return { Description: 'fuzz' };
    case 'Decrypt': return { CiphertextBlob: b64(f.ciphertext), EncryptionContext: f.context };
    case 'Encrypt': return { KeyId: key, Plaintext: b64(rng.bytes(32)), EncryptionContext: f.context };
    case 'GenerateDataKey': case 'GenerateDataKeyWithoutPlaintext': return { KeyId: key, KeySpec: 'AES_256' };
    case 'GenerateRandom': return { NumberOfBytes: 32 };
    case 'GetKeyPolicy': return { KeyId: key, PolicyName: 'default' };
    case 'PutKeyPolicy': return { KeyId: key, PolicyName: 'default', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [] }) };
    case 'ReEncrypt': return { CiphertextBlob: b64(f.ciphertext), SourceEncryptionContext: f.context, DestinationKeyId: f.otherKeyId };
    case 'RetireGrant': return { GrantToken: f.grantToken };
    case 'RevokeGrant': return { KeyId: key, GrantId: f.grantId };
    case 'ListRetirableGrants': return { RetiringPrincipal: `arn:aws:iam::${f.account}:root` };
    case 'ScheduleKeyDeletion': return { KeyId: key, PendingWindowInDays: 7 };
    case 'TagResource': return { KeyId: key, Tags: [{ TagKey: 'k', TagValue: 'v' }] };
    case 'UntagResource': return { KeyId: key, TagKeys: ['k'] };
    case 'UpdateKeyDescription': return { KeyId: key, Description: 'fuzz' };
    case 'Sign': return { KeyId: f.signKeyId ?? key, Message: b64(rng.bytes(32)), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' };
    case 'Verify': return { KeyId: f.signKeyId ?? key, Message: b64(rng.bytes(32)), MessageType: 'RAW', Signature: b64(rng.bytes(71)), SigningAlgorithm: 'ECDSA_SHA_256' };
    case 'GenerateMac': return { KeyId: f.macKeyId ?? key, Message: b64(rng.bytes(32)), MacAlgorithm: 'HMAC_SHA_256' };
    case 'VerifyMac': return { KeyId: f.macKeyId ?? key, Message: b64(rng.bytes(32)), Mac: b64(rng.bytes(32)), MacAlgorithm: 'HMAC_SHA_256' };
    case 'GetPublicKey': return { KeyId: f.signKeyId ?? key };
    case 'GenerateDataKeyPair': case 'GenerateDataKeyPairWithoutPlaintext': return { KeyId: key, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: f.context };
    case 'DeriveSharedSecret': return { KeyId: f.agreementKeyId ?? key, KeyAgreementAlgorithm: 'ECDH', PublicKey: b64(rng.bytes(91)) };
    default: return {};
  }
}

const wrongTypes = (rng: Prng, not: 'string' | 'number' | 'boolean' | 'object' | 'array'): unknown => {
  const all: [string, () => unknown][] = [
    ['string', () => rng.ascii(rng.int(1, 8))],
    ['number', () => rng.pick([0, -1, 7, 1.5, 1e300])],
    ['boolean', () => rng.chance(0.5)],
    ['object', () => ({ x: 1 })],
    ['array', () => [rng.ascii(3)]],
  ];
  return rng.pick(all.filter(([t]) => t !== not))[1]();
};

const BAD_BASE64 = ['abc', 'YQ', 'Y===', '====', 'ab$=', 'YR==', 'YWJj\n', 'Y W=', '-_-_', 'YWJjZA=', '\u00e9\u00e9\u00e9\u00e9'];

/** A value that breaks `s` for sure (type, length, range, enum or pattern). */
function invalidValue(s: Shape, rng: Prng, depth = 0): { value: unknown; why: string } {
  const options: (() => { value: unknown; why: string })[] = [];
  switch (s.type) {
    case 'string':
      options.push(() => ({ value: wrongTypes(rng, 'string'), why: 'not a string' }));
      if ((s.min ?? 0) >= 1) options.push(() => ({ value: '', why: 'empty' }));
      if (s.max !== undefined) options.push(() => ({ value: 'a'.repeat(s.max! + 1 + rng.int(0, rng.chance(0.1) ? 50_000 : 10)), why: 'too long' }));
      if (s.enum) options.push(() => ({ value: rng.pick(['', 'NOT_A_VALUE', s.enum![0]!.toLowerCase() + 'x']), why: 'not in enum' }));
      if (s.pattern !== undefined) {
        const re = compilePattern(s.pattern);
        const bad = ['\u0000', 'a b\u2603', '\ud83d\ude00', '\n', '*?<>|', '\u0001x'].find((c) => !re.test(c) && (s.min === undefined || c.length >= s.min));
        if (bad !== undefined) options.push(() => ({ value: bad, why: 'breaks the pattern' }));
      }
      break;
    case 'integer': case 'long':
      options.push(() => ({ value: wrongTypes(rng, 'number'), why: 'not a number' }));
      options.push(() => ({ value: rng.pick([1.5, -0.25, 2 ** 63, -(2 ** 63), 1e21]), why: 'not an integer of the type' }));
      if (s.min !== undefined) options.push(() => ({ value: s.min! - rng.int(1, 1000), why: 'below min' }));
      if (s.max !== undefined && s.max < 2 ** 31 - 1) options.push(() => ({ value: s.max! + rng.int(1, 1000), why: 'above max' }));
      break;
    case 'boolean':
      options.push(() => ({ value: rng.pick<unknown>(['true', 'false', 1, 0, {}, []]), why: 'not a boolean' }));
      break;
    case 'blob':
      options.push(() => ({ value: wrongTypes(rng, 'string'), why: 'blob not a string' }));
      options.push(() => ({ value: rng.pick(BAD_BASE64), why: 'invalid base64' }));
      if ((s.min ?? 0) >= 1) options.push(() => ({ value: '', why: 'empty blob' }));
      if (s.max !== undefined) options.push(() => ({ value: b64(rng.bytes(s.max! + 1 + rng.int(0, 100))), why: 'blob too long' }));
      break;
    case 'timestamp': case 'float': case 'double':
      options.push(() => ({ value: rng.pick<unknown>(['2020-01-01', true, {}, []]), why: 'not a number' }));
      break;
    case 'map':
      options.push(() => ({ value: rng.pick<unknown>([[], 'x', 1, true, [['a', 'b']]]), why: 'map of the wrong type' }));
      if (depth < 3) options.push(() => ({ value: { k: invalidValue(shape(s.value!.shape), rng, depth + 1).value }, why: 'map value invalid' }));
      if (s.max !== undefined) options.push(() => ({ value: Object.fromEntries(Array.from({ length: s.max! + 1 }, (_, i) => [`k${i}`, 'v'])), why: 'map too large' }));
      break;
    case 'list': {
      options.push(() => ({ value: rng.pick<unknown>([{}, 'x', 1, true, { 0: 'a' }]), why: 'list of the wrong type' }));
      const ms = shape(s.member!.shape);
      if (depth < 3) options.push(() => ({ value: [invalidValue(ms, rng, depth + 1).value], why: 'list member invalid' }));
      if (s.max !== undefined && ms.type === 'string') options.push(() => ({ value: Array.from({ length: s.max! + 1 }, () => ms.enum?.[0] ?? 'x'.repeat(Math.max(1, ms.min ?? 1))), why: 'list too long' }));
      if ((s.min ?? 0) >= 1) options.push(() => ({ value: [], why: 'list too short' }));
      break;
    }
    case 'structure': {
      options.push(() => ({ value: rng.pick<unknown>([[], 'x', 1, true]), why: 'structure of the wrong type' }));
      const members = Object.entries(s.members ?? {});
      if (members.length && depth < 3) {
        options.push(() => {
          const [name, ref] = rng.pick(members);
          const inner = invalidValue(shape(ref.shape), rng, depth + 1);
          return { value: { [name]: inner.value }, why: `${name}: ${inner.why}` };
        });
      }
      break;
    }
  }
  return rng.pick(options)();
}

function flipBit(b: Buffer, rng: Prng): Buffer {
  const out = Buffer.from(b);
  const i = rng.int(0, out.length - 1);
  out[i] = out[i]! ^ (1 << rng.int(0, 7));
  return out;
}

/** Well-formed requests that are wrong for the state or content: tampered ciphertexts, unknown or unusable keys. */
function semantic(op: string, input: Record<string, unknown>, f: FuzzFixture, rng: Prng): string | undefined {
  const unknownKey = () => rng.pick([randomUUID(), `alias/nope-${rng.int(0, 1e6)}`, `arn:aws:kms:us-east-1:${f.account}:key/${randomUUID()}`, `arn:aws:kms:eu-west-1:${f.account}:key/${f.keyId}`]);
  if (op === 'Decrypt' || op === 'ReEncrypt') {
    const ct = f.ciphertext;
    const choice = rng.int(0, 5);
    if (choice === 0) input.CiphertextBlob = b64(flipBit(ct, rng));
    else if (choice === 1) input.CiphertextBlob = b64(ct.subarray(0, rng.int(1, ct.length - 1)));
    else if (choice === 2) input.CiphertextBlob = b64(Buffer.concat([ct, rng.bytes(rng.int(1, 16))]));
    else if (choice === 3) input.CiphertextBlob = b64(rng.bytes(rng.int(1, 400)));
    else if (choice === 4) input[op === 'Decrypt' ? 'EncryptionContext' : 'SourceEncryptionContext'] = rng.chance(0.5) ? {} : { ...f.context, extra: 'x' };
    else input[op === 'Decrypt' ? 'KeyId' : 'DestinationKeyId'] = rng.chance(0.5) ? unknownKey() : op === 'Decrypt' ? f.otherKeyId : f.disabledKeyId;
    return ['bit-flipped ciphertext', 'truncated ciphertext', 'extended ciphertext', 'random ciphertext', 'wrong encryption context', 'wrong key'][choice];
  }
  switch (op) {
    case 'Encrypt': case 'GenerateDataKey': case 'GenerateDataKeyWithoutPlaintext':
      input.KeyId = rng.pick([unknownKey(), f.disabledKeyId, f.pendingKeyId]);
      return 'unknown, disabled or pending-deletion key';
    case 'DescribeKey': case 'ListKeyPolicies': case 'ListResourceTags': case 'ListGrants': case 'GetKeyPolicy': case 'UpdateKeyDescription': case 'TagResource': case 'UntagResource':
      input.KeyId = unknownKey();
      return 'unknown key';
    case 'EnableKey': case 'DisableKey': case 'CancelKeyDeletion':
      input.KeyId = rng.pick([unknownKey(), ...(op === 'CancelKeyDeletion' ? [f.keyId] : [f.pendingKeyId])]);
      return 'unknown key or wrong state';
    case 'ScheduleKeyDeletion':
      if (rng.chance(0.5)) input.PendingWindowInDays = rng.pick([1, 6, 31, 365]);
      else input.KeyId = rng.pick([unknownKey(), f.pendingKeyId]);
      return 'window outside 7–30 days, unknown or pending key';
    case 'CreateAlias':
      if (rng.chance(0.5)) input.AliasName = rng.pick([`alias/aws/x${rng.int(0, 1e6)}`, f.alias]);
      else input.TargetKeyId = rng.pick([unknownKey(), f.alias]);
      return 'reserved or existing alias, or unknown target';
    case 'UpdateAlias':
      input.AliasName = `alias/nope-${rng.int(0, 1e6)}`;
      return 'unknown alias';
    case 'DeleteAlias':
      input.AliasName = `alias/nope-${rng.int(0, 1e6)}`;
      return 'unknown alias';
    case 'CreateGrant':
      if (rng.chance(0.5)) input.GranteePrincipal = rng.pick(['not-an-arn', `arn:aws:iam::${f.account}:group/g`, 'kms.amazonaws.com']);
      else input.KeyId = unknownKey();
      return 'bad grantee or unknown key';
    case 'RetireGrant':
      if (rng.chance(0.5)) input.GrantToken = rng.pick(['x', b64(rng.bytes(48)), 'A'.repeat(64)]);
      else Object.assign(input, { GrantToken: undefined, KeyId: f.keyId, GrantId: rng.pick(['0'.repeat(64), randomUUID()]) });
      return 'unknown grant token or grant id';
    case 'RevokeGrant':
      input.GrantId = rng.pick(['0'.repeat(64), randomUUID(), 'x']);
      return 'unknown grant id';
    // Keys of the wrong usage: symmetric or HMAC keys do not sign, agree or have a public key; others do not MAC.
    case 'Sign': case 'DeriveSharedSecret':
      input.KeyId = rng.pick([f.keyId, f.macKeyId ?? f.keyId, unknownKey()]);
      return 'key of the wrong usage or unknown';
    case 'GenerateMac':
      input.KeyId = rng.pick([f.keyId, f.signKeyId ?? f.keyId, unknownKey()]);
      return 'key of the wrong usage or unknown';
    case 'GetPublicKey':
      input.KeyId = rng.pick([f.keyId, f.macKeyId ?? f.keyId, unknownKey()]);
      return 'key without a public key, or unknown';
    case 'Verify':
      return 'signature that does not verify';
    case 'VerifyMac':
      return 'MAC that does not verify';
    case 'GenerateDataKeyPair': case 'GenerateDataKeyPairWithoutPlaintext':
      input.KeyId = rng.pick([unknownKey(), f.disabledKeyId, f.signKeyId ?? f.pendingKeyId]);
      return 'unknown, disabled or non-encryption key';
    case 'PutKeyPolicy':
      input.Policy = rng.pick(['not json', '{}', '{"Statement":[{"Effect":"Allow"}]}', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:*', Resource: '*' }] })]);
      return 'malformed or principal-less policy';
    default:
      return undefined;
  }
}

/** Builds case `index`: the body and headers, signed with `date`, then any post-signing damage. */
export async function buildCase(seed: number, index: number, ops: readonly string[], f: FuzzFixture, date: Date): Promise<FuzzCase> {
  const rng = caseRng(seed, index);
  const op = rng.pick(ops);
  const info = operationInfo(op);
  const input = baseInput(op, f, rng);
  const inputShape = info.input ? shape(info.input) : { type: 'structure' as const, members: {} };
  const members = Object.entries(inputShape.members ?? {});
  const roll = rng.next();
  let category: Category;
  let what: string;
  let body: string | Buffer;
  let headers: Record<string, string> = kmsHeaders(op);
  let semanticWhat: string | undefined;

  if (roll < 0.42 && members.length > 0) {
    category = 'member';
    const [name, ref] = rng.pick(members);
    const bad = invalidValue(shape(ref.shape), rng);
    input[name] = bad.value;
    what = `${name}: ${bad.why}`;
    body = JSON.stringify(input);
  } else if (roll < 0.48 && (inputShape.required ?? []).length > 0) {
    category = 'required';
    const name = rng.pick(inputShape.required!);
    if (rng.chance(0.5)) delete input[name];
    else input[name] = null;
    what = `required ${name} missing`;
    body = JSON.stringify(input);
  } else if (roll < 0.62 && (semanticWhat = semantic(op, input, f, rng)) !== undefined) {
    category = 'semantic';
    what = semanticWhat;
    body = JSON.stringify(input);
  } else if (roll < 0.78) {
    category = 'body';
    const valid = JSON.stringify(input);
    const choice = rng.int(0, 7);
    const bodies: [string, () => string | Buffer][] = [
      ['truncated JSON', () => valid.slice(0, rng.int(1, valid.length - 1))],
      ['empty body', () => ''],
      ['top-level non-object', () => rng.pick(['[]', '1', '"s"', 'null', 'true', '[{}]'])],
      ['garbage bytes', () => Buffer.concat([Buffer.from([rng.pick([0x00, 0x80, 0xff, 0x5b, 0x22, 0x7d, 0x3c])]), rng.bytes(rng.int(0, 200))])],
      ['JSON with trailing garbage', () => valid + rng.pick(['}', ',', 'x', '{}', '\u0000'])],
      ['deep nesting', () => `{"${members[0]?.[0] ?? 'KeyId'}":${'['.repeat(rng.int(100, 5000))}${rng.chance(0.5) ? ']'.repeat(50) : ''}}`],
      ['invalid UTF-8 in JSON', () => Buffer.concat([Buffer.from(valid.slice(0, -1)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')])],
      ['single quotes / comments', () => rng.pick([`/* c */${valid}`, `{'KeyId':'x'}`, `${valid}//`, `{,${valid.slice(1)}`])],
    ];
    what = bodies[choice]![0];
    body = bodies[choice]![1]();
  } else if (roll < 0.88) {
    category = 'headers';
    body = rng.chance(0.5) ? JSON.stringify(input).slice(0, -1) : '[]';
    const choice = rng.int(0, 5);
    what = ['unknown target', 'missing target', 'odd content-type', 'target of an unimplemented operation', 'long odd headers', 'lower-case prefix'][choice]!;
    if (choice === 0) headers['x-amz-target'] = rng.pick(['TrentService.MakeCoffee', 'TrentService.', 'TrentService', 'Kinesis_20131202.PutRecord', `TrentService.${op}.${op}`, '']);
    else if (choice === 1) delete headers['x-amz-target'];
    else if (choice === 2) headers['content-type'] = rng.pick(['text/plain', 'application/json', 'application/x-www-form-urlencoded; charset=utf-8', 'multipart/form-data; boundary=x', 'application/x-amz-json-1.0']);
    else if (choice === 3) headers['x-amz-target'] = `TrentService.${rng.pick(['ConnectCustomKeyStore', 'GetPublicKey', 'ImportKeyMaterial', 'CreateCustomKeyStore'])}`;
    else if (choice === 4) headers['x-odd'] = rng.ascii(rng.int(1000, 6000));
    else headers['x-amz-target'] = `trentservice.${op}`;
  } else if (roll < 0.98) {
    category = 'auth';
    const bad = await badAuth(rng, op, JSON.stringify(input), f, date);
    return { index, op, category, what: bad.what, request: bad.request, reachesProtocol: false };
  } else {
    category = 'huge';
    const over = rng.chance(0.25);
    const size = over ? 1024 * 1024 + rng.int(1, 4096) : rng.int(100_000, 900_000);
    const name = members.find(([, r]) => shape(r.shape).type === 'string' && shape(r.shape).max !== undefined)?.[0];
    if (name !== undefined) input[name] = 'k'.repeat(size);
    what = over ? `body over 1 MiB (${name ?? 'unterminated'})` : `${size}-character ${name ?? 'unterminated body'}`;
    body = name !== undefined ? JSON.stringify(input) : `[${'k'.repeat(size)}`;
    const request = await signRaw(f.endpoint, body, { credentials: f.credentials, date, headers });
    return { index, op, category, what, request, reachesProtocol: !over, oversize: over };
  }
  const request = await signRaw(f.endpoint, body, { credentials: f.credentials, date, headers });
  if (category === 'headers' && rng.chance(0.3)) {
    // After signing: an unsigned duplicate or extra header must not confuse anything.
    request.headers['x-amz-target'] = `${request.headers['x-amz-target'] ?? ''}, TrentService.Decrypt`;
    what += ' + duplicated target';
    return { index, op, category, what, request, reachesProtocol: false };
  }
  return { index, op, category, what, request, reachesProtocol: true };
}
