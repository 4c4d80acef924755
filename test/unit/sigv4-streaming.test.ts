/**
 * aws-chunked decoding (src/auth/sigv4-streaming.ts): AWS's worked example as a known answer,
 * round trips through the SDK's own unsigned encoder and our signed encoder, and broken bodies,
 * each with the exact S3 error.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { AwsCrc32 } from '@aws-crypto/crc32';
import { AwsCrc32c } from '@aws-crypto/crc32c';
import { getAwsChunkedEncodingStream } from '@smithy/core/serde';
import { parseSigV4, verifySigV4, type HttpRequestParts } from '../../src/auth/sigv4.js';
import { SigningKeyCache, credentialScope } from '../../src/auth/sigv4-canonical.js';
import {
  AwsChunkedDecoder,
  STREAMING_SIGNED,
  STREAMING_SIGNED_TRAILER,
  STREAMING_UNSIGNED_TRAILER,
  awsChunkedDecoderFor,
  chunkSigningFor,
  type ChunkSigning,
} from '../../src/auth/sigv4-streaming.js';
import { encodeAwsChunked } from '../../src/auth/sigv4-streaming-sign.js';
import { checksumBase64 } from '../../src/crypto/checksums.js';
import { AwsError } from '../../src/errors/aws-error.js';

const V = JSON.parse(readFileSync(new URL('../vectors/s3-aws-chunked.json', import.meta.url), 'utf8')) as {
  secretAccessKey: string;
  now: string;
  request: { method: string; path: string; headers: Record<string, string> };
  seedSignature: string;
  chunks: Array<{ size: number; fill: string; signature: string }>;
};
const REQ: HttpRequestParts = { method: V.request.method, rawPath: V.request.path, rawQuery: '', headers: V.request.headers };
const OBJECT = Buffer.alloc(66560, 'a');

/** The example's body, rebuilt from the page's chunk sizes and signatures. */
const exampleBody = (): Buffer =>
  Buffer.concat(V.chunks.map((c) => Buffer.concat([Buffer.from(`${c.size.toString(16)};chunk-signature=${c.signature}\r\n`), Buffer.alloc(c.size, c.fill), Buffer.from('\r\n')])));

const exampleSigning = (): ChunkSigning => chunkSigningFor(parseSigV4(REQ), V.secretAccessKey, new SigningKeyCache(4));

/** Feeds `body` in pieces of `split` bytes; resolves with the decoded bytes, or rejects. */
async function decode(decoder: AwsChunkedDecoder, body: Buffer, split = 7919): Promise<Buffer> {
  const out: Buffer[] = [];
  const pieces = (function* () {
    for (let at = 0; at < body.length; at += split) yield body.subarray(at, at + split);
  })();
  await pipeline(Readable.from(pieces), decoder, new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }));
  return Buffer.concat(out);
}

async function rejectsWith(p: Promise<unknown>, code: string, status: number, message?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof AwsError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });
}

const signedDecoder = (decodedLength = OBJECT.length, mode: typeof STREAMING_SIGNED | typeof STREAMING_SIGNED_TRAILER = STREAMING_SIGNED, trailer?: string) =>
  new AwsChunkedDecoder({ mode, signing: exampleSigning(), decodedContentLength: decodedLength, ...(trailer ? { trailer } : {}) });

describe('AWS worked example (sigv4-streaming.html, Example: PUT Object)', () => {
  it('the seed signature verifies with the STREAMING literal as payload hash', () => {
    const parsed = parseSigV4(REQ);
    assert.equal(parsed.signature, V.seedSignature);
    verifySigV4(parsed, REQ, V.secretAccessKey, { now: new Date(V.now), payloadSha256Hex: 'unused', allowStreamingPayload: true });
    assert.throws(() => verifySigV4(parsed, REQ, V.secretAccessKey, { now: new Date(V.now), payloadSha256Hex: 'unused' }), /x-amz-content-sha256/);
  });

  it('decodes the 66560-byte object, verifying the three chunk signatures', async () => {
    const body = exampleBody();
    assert.equal(body.length, Number(V.request.headers['content-length']));
    const decoder = awsChunkedDecoderFor(V.request.headers, exampleSigning());
    assert.deepEqual(await decode(decoder, body), OBJECT);
    assert.equal(decoder.decodedLength, 66560);
  });

  it('our encoder reproduces the example byte for byte; any split of the input decodes the same', async () => {
    assert.deepEqual(encodeAwsChunked(OBJECT, { signing: exampleSigning(), chunkSize: 65536 }), exampleBody());
    for (const split of [1, 2, 85, 86, 87, 65536, 1 << 20]) assert.deepEqual(await decode(signedDecoder(), exampleBody(), split), OBJECT, `split ${split}`);
  });
});

describe('round trips', () => {
  const data = Buffer.from(Array.from({ length: 200_001 }, (_, k) => (k * 31) & 0xff));

  it('STREAMING-UNSIGNED-PAYLOAD-TRAILER as the SDK encodes it (CRC32 and CRC32C trailers)', async () => {
    for (const [Ctor, alg] of [[AwsCrc32, 'crc32'], [AwsCrc32c, 'crc32c']] as const) {
      const source = Readable.from((function* () { for (let at = 0; at < data.length; at += 65536) yield data.subarray(at, at + 65536); })());
      const encoded = getAwsChunkedEncodingStream(source, {
        base64Encoder: (b: Uint8Array) => Buffer.from(b).toString('base64'),
        bodyLengthChecker: (b: Buffer) => b.length,
        checksumAlgorithmFn: Ctor,
        checksumLocationName: `x-amz-checksum-${alg}`,
        streamHasher: (C: typeof Ctor, r: Readable) => new Promise<Uint8Array>((res) => { const h = new C(); r.on('data', (d: Buffer) => h.update(d)); r.on('end', () => void h.digest().then(res)); }),
      } as never);
      const chunks: Buffer[] = [];
      for await (const c of encoded) chunks.push(Buffer.from(c as Buffer));
      const headers = { 'x-amz-content-sha256': STREAMING_UNSIGNED_TRAILER, 'x-amz-decoded-content-length': String(data.length), 'x-amz-trailer': `x-amz-checksum-${alg}` };
      const decoder = awsChunkedDecoderFor(headers, undefined);
      assert.deepEqual(await decode(decoder, Buffer.concat(chunks)), data);
      assert.equal(decoder.checksum?.algorithm, alg.toUpperCase());
      assert.equal(decoder.checksum?.value, checksumBase64(alg === 'crc32' ? 'CRC32' : 'CRC32C', data));
    }
  });

  it('the SDK encoder without a checksum ends at "0\\r\\n"; that decodes too', async () => {
    const encoded = getAwsChunkedEncodingStream(Readable.from([data]), { bodyLengthChecker: (b: Buffer) => b.length } as never);
    const chunks: Buffer[] = [];
    for await (const c of encoded) chunks.push(Buffer.from(c as Buffer));
    const decoder = new AwsChunkedDecoder({ mode: STREAMING_UNSIGNED_TRAILER, decodedContentLength: data.length });
    assert.deepEqual(await decode(decoder, Buffer.concat(chunks)), data);
    assert.equal(decoder.checksum, undefined);
  });

  it('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: signed chunks and a signed SHA256 trailer', async () => {
    const trailers = new Map([['x-amz-checksum-sha256', checksumBase64('SHA256', data)]]);
    const body = encodeAwsChunked(data, { signing: exampleSigning(), chunkSize: 65536, trailers });
    const decoder = signedDecoder(data.length, STREAMING_SIGNED_TRAILER, 'x-amz-checksum-sha256');
    assert.deepEqual(await decode(decoder, body), data);
    assert.equal(decoder.checksum?.value, trailers.get('x-amz-checksum-sha256'));
  });

  it('backpressure: an unread decoder stops accepting input', () => {
    const decoder = new AwsChunkedDecoder({ mode: STREAMING_UNSIGNED_TRAILER, decodedContentLength: 1 << 24 });
    const chunk = Buffer.from(`${(1 << 24).toString(16)}\r\n`);
    let accepted = decoder.write(chunk);
    let written = 0;
    while (accepted && written < 1 << 24) {
      accepted = decoder.write(Buffer.alloc(16384));
      written += 16384;
    }
    assert.equal(accepted, false);
    assert.ok(written < 1 << 20, `wrote ${written} bytes before backpressure`);
    decoder.destroy();
  });
});

describe('broken bodies get the S3 error, never a crash or a hang', () => {
  const body = () => exampleBody();
  const flipHex = (b: Buffer, at: number) => { const c = Buffer.from(b); c[at] = c[at] === 0x30 ? 0x31 : 0x30; return c; };
  const SIG = ['SignatureDoesNotMatch', 403, 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'] as const;
  const SHORT = ['IncompleteBody', 400, 'You did not provide the number of bytes specified by the Content-Length HTTP header.'] as const;

  it('a wrong chunk signature (first, second, final chunk)', async () => {
    const b = body();
    for (const at of [b.indexOf('chunk-signature=') + 20, b.indexOf('chunk-signature=', 100) + 20, b.lastIndexOf('chunk-signature=') + 20]) {
      await rejectsWith(decode(signedDecoder(), flipHex(b, at)), ...SIG);
    }
  });

  it('a changed data byte, and the chunks in another order', async () => {
    const b = Buffer.from(body());
    b[500] = 0x62;
    await rejectsWith(decode(signedDecoder(), b), ...SIG);
    const [c1, c2, c3] = V.chunks.map((c) => Buffer.concat([Buffer.from(`${c.size.toString(16)};chunk-signature=${c.signature}\r\n`), Buffer.alloc(c.size, c.fill), Buffer.from('\r\n')]));
    await rejectsWith(decode(signedDecoder(), Buffer.concat([c2!, c1!, c3!])), ...SIG);
  });

  it('a signed chunk under 8 KiB that is not the last', async () => {
    const d = Buffer.alloc(3000, 1);
    await rejectsWith(decode(signedDecoder(3000), encodeAwsChunked(d, { signing: exampleSigning(), chunkSize: 1000 })),
      'InvalidChunkSizeError', 403, 'Only the last chunk is allowed to have a size less than 8192 bytes');
    assert.deepEqual(await decode(signedDecoder(3000), encodeAwsChunked(d, { signing: exampleSigning(), chunkSize: 3000 })), d);
  });

  it('a body cut anywhere', async () => {
    const b = body();
    for (const cut of [0, 1, 50, 88, 40_000, 65_624, 65_626, 66_700, b.length - 3, b.length - 1]) {
      await rejectsWith(decode(signedDecoder(), b.subarray(0, cut)), ...SHORT);
    }
  });

  it('a missing final chunk', async () => {
    const b = body();
    await rejectsWith(decode(signedDecoder(), b.subarray(0, b.lastIndexOf('0;chunk-signature='))), ...SHORT);
  });

  it('a wrong size line, a missing signature, garbage, an oversize line', async () => {
    const b = body();
    // Size off by one: signed, the chunk's signature no longer covers the bytes read; unsigned, the framing breaks.
    await rejectsWith(decode(signedDecoder(), Buffer.concat([Buffer.from('10001'), b.subarray(5)])), ...SIG);
    const unsignedSized = (line: string) => decode(new AwsChunkedDecoder({ mode: STREAMING_UNSIGNED_TRAILER, decodedContentLength: 6 }), Buffer.from(`${line}\r\nhello\n\r\n0\r\n\r\n`));
    assert.deepEqual(await unsignedSized('6'), Buffer.from('hello\n'));
    await rejectsWith(unsignedSized('7'), ...SHORT);
    await rejectsWith(unsignedSized('5'), ...SHORT);
    await rejectsWith(unsignedSized('6;chunk-signature=' + 'a'.repeat(64)), ...SHORT);
    await rejectsWith(decode(signedDecoder(), Buffer.concat([Buffer.from('zz'), b.subarray(5)])), ...SHORT);
    await rejectsWith(decode(signedDecoder(), Buffer.from('10000\r\n')), ...SHORT);
    await rejectsWith(decode(signedDecoder(), Buffer.alloc(100_000, 0x31)), ...SHORT);
    await rejectsWith(decode(signedDecoder(), Buffer.from('ffffffffffffffffff;chunk-signature=00\r\n')), ...SHORT);
  });

  it('x-amz-decoded-content-length differing from the decoded size', async () => {
    await rejectsWith(decode(signedDecoder(66559), body()), ...SHORT);
    await rejectsWith(decode(signedDecoder(66561), body()), ...SHORT);
    assert.throws(() => awsChunkedDecoderFor({ 'x-amz-content-sha256': STREAMING_UNSIGNED_TRAILER }, undefined), (e: AwsError) => e.code === 'MissingContentLength' && e.status === 411);
  });

  it('bytes after the final chunk', async () => {
    await rejectsWith(decode(signedDecoder(), Buffer.concat([body(), Buffer.from('x')])), ...SHORT);
  });

  const data = Buffer.from('hello\n');
  const unsigned = (trailerLine: string, declared = 'x-amz-checksum-crc32') =>
    decode(awsChunkedDecoderFor({ 'x-amz-content-sha256': STREAMING_UNSIGNED_TRAILER, 'x-amz-decoded-content-length': '6', 'x-amz-trailer': declared }, undefined),
      Buffer.from(`6\r\nhello\n\r\n0\r\n${trailerLine}\r\n`));

  it('trailer checksums: mismatch is BadDigest; malformed, missing or undeclared trailers are MalformedTrailerError', async () => {
    assert.deepEqual(await unsigned('x-amz-checksum-crc32:NjowIA==\r\n'), data);
    await rejectsWith(unsigned('x-amz-checksum-crc32:AAAAAA==\r\n'), 'BadDigest', 400, 'The CRC32 you specified did not match the calculated checksum.');
    await rejectsWith(unsigned('x-amz-checksum-sha1:2jmj7l5rSw0yVb/vlWAYkK/YBwk=\r\n', 'x-amz-checksum-sha1'), 'BadDigest', 400, 'The SHA1 you specified did not match the calculated checksum.');
    await rejectsWith(unsigned('x-amz-checksum-crc32:not base64\r\n'), 'InvalidRequest', 400);
    const malformed = ['MalformedTrailerError', 400, 'The request contained trailing data that was not well-formed or did not conform to our published schema.'] as const;
    await rejectsWith(unsigned(''), ...malformed);
    await rejectsWith(unsigned('x-amz-checksum-crc32c:NjowIA==\r\n'), ...malformed);
    await rejectsWith(unsigned('no colon here\r\n'), ...malformed);
    await rejectsWith(unsigned(`x-amz-checksum-crc32:${'A'.repeat(20_000)}\r\n`), ...malformed);
  });

  it('a deferred checksum: the decoder stops hashing and hands the trailing value over unverified (still decoded, still checked for form)', async () => {
    const deferred = (trailerLine: string) => {
      const decoder = awsChunkedDecoderFor({ 'x-amz-content-sha256': STREAMING_UNSIGNED_TRAILER, 'x-amz-decoded-content-length': '6', 'x-amz-trailer': 'x-amz-checksum-crc32' }, undefined);
      decoder.deferChecksum();
      return { decoder, decoded: decode(decoder, Buffer.from(`6\r\nhello\n\r\n0\r\n${trailerLine}\r\n`)) };
    };
    const right = deferred('x-amz-checksum-crc32:NjowIA==\r\n');
    assert.deepEqual(await right.decoded, data);
    assert.deepEqual(right.decoder.checksum, { algorithm: 'CRC32', value: 'NjowIA==', unverified: Buffer.from('NjowIA==', 'base64') });
    // A wrong value is not the decoder's to refuse any more: the caller compares it with its own digest.
    const wrong = deferred('x-amz-checksum-crc32:AAAAAA==\r\n');
    assert.deepEqual(await wrong.decoded, data);
    assert.deepEqual(wrong.decoder.checksum?.unverified, Buffer.alloc(4));
    await rejectsWith(deferred('x-amz-checksum-crc32:not base64\r\n').decoded, 'InvalidRequest', 400);
  });

  it('signed trailer: a wrong or missing trailer signature, a changed trailer value', async () => {
    const d = Buffer.alloc(10_000, 7);
    const good = encodeAwsChunked(d, { signing: exampleSigning(), chunkSize: 8192, trailers: new Map([['x-amz-checksum-crc32c', checksumBase64('CRC32C', d)]]) });
    const dec = () => signedDecoder(d.length, STREAMING_SIGNED_TRAILER, 'x-amz-checksum-crc32c');
    assert.deepEqual(await decode(dec(), good), d);
    await rejectsWith(decode(dec(), flipHex(good, good.indexOf('x-amz-trailer-signature:') + 30)), ...SIG);
    const sigLine = good.indexOf('x-amz-trailer-signature:');
    await rejectsWith(decode(dec(), Buffer.concat([good.subarray(0, sigLine), Buffer.from('\r\n')])), ...SIG);
    const forged = encodeAwsChunked(d, { signing: exampleSigning(), chunkSize: 8192, trailers: new Map([['x-amz-checksum-crc32c', 'AAAAAA==']]) });
    await rejectsWith(decode(dec(), forged), 'BadDigest', 400, 'The CRC32C you specified did not match the calculated checksum.');
    const other = { ...exampleSigning(), signingKey: new SigningKeyCache(1).signingKey('other', '20130524', 'us-east-1', 's3'), scope: credentialScope('20130524', 'us-east-1', 's3') };
    await rejectsWith(decode(dec(), encodeAwsChunked(d, { signing: other, chunkSize: 8192 })), ...SIG);
  });
});

describe('fuzz: mutated bodies', () => {
  it('every mutation of a signed body ends in an AwsError (4xx) or the exact object, never another error or a hang', async () => {
    const seed = Number(process.env.LOCKSMITH_FUZZ_SEED ?? Date.now() % 2 ** 31);
    console.log(`sigv4-streaming fuzz seed ${seed} (LOCKSMITH_FUZZ_SEED to replay)`);
    let state = seed;
    const rand = (n: number) => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) % n);
    const data = Buffer.alloc(20_000, 3);
    const good = encodeAwsChunked(data, { signing: exampleSigning(), chunkSize: 9000, trailers: new Map([['x-amz-checksum-crc32', checksumBase64('CRC32', data)]]) });
    const rounds = process.env.LOCKSMITH_RELIABILITY === 'full' ? 5000 : 300;
    for (let i = 0; i < rounds; i++) {
      const b = Buffer.from(good);
      const at = rand(b.length);
      const kind = rand(4);
      const mutated = kind === 0 ? ((b[at] = rand(256)), b)
        : kind === 1 ? b.subarray(0, at)
        : kind === 2 ? Buffer.concat([b.subarray(0, at), Buffer.from([rand(256)]), b.subarray(at)])
        : Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rand(100))]);
      const decoder = new AwsChunkedDecoder({ mode: STREAMING_SIGNED_TRAILER, signing: exampleSigning(), decodedContentLength: data.length, trailer: 'x-amz-checksum-crc32' });
      try {
        assert.deepEqual(await decode(decoder, mutated, 1 + rand(5000)), data, `round ${i}: accepted a changed body`);
      } catch (err) {
        assert.ok(err instanceof AwsError && err.status >= 400 && err.status < 500, `round ${i} (kind ${kind} at ${at}): ${String(err)}`);
      }
    }
  });
});
