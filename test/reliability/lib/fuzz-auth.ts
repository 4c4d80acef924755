/** Fuzz cases whose authentication is missing, garbled or wrong (the body may well be valid). */
import type { FuzzFixture } from './fuzz-cases.js';
import type { Prng } from './prng.js';
import { kmsHeaders, signRaw, type WireRequest } from './sign.js';

const b64 = (b: Buffer) => b.toString('base64');

export async function badAuth(rng: Prng, op: string, body: string, f: FuzzFixture, date: Date): Promise<{ what: string; request: WireRequest }> {
  const headers = kmsHeaders(op);
  const signed = await signRaw(f.endpoint, body, { credentials: f.credentials, date, headers });
  const h = { ...signed.headers };
  const choice = rng.int(0, 9);
  const auth = h.authorization!;
  switch (choice) {
    case 0:
      delete h.authorization;
      return { what: 'unsigned', request: { ...signed, headers: h } };
    case 1:
      h.authorization = rng.pick(['Basic dXNlcjpwYXNz', 'Bearer abc', `AWS ${f.credentials.accessKeyId}:c2lnbmF0dXJl`, '', 'AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA256 ,,,,']);
      return { what: 'other scheme / empty', request: { ...signed, headers: h } };
    case 2: {
      const i = rng.int(0, auth.length - 1);
      // A different character even ignoring case (SignedHeaders names are case-insensitive).
      let c = String.fromCharCode(rng.int(0x21, 0x7e));
      if (c.toLowerCase() === auth[i]!.toLowerCase()) c = auth[i]!.toLowerCase() === 'x' ? '#' : 'x';
      h.authorization = auth.slice(0, i) + c + auth.slice(i + 1);
      return { what: `Authorization byte ${i} changed`, request: { ...signed, headers: h } };
    }
    case 3:
      h.authorization = auth.slice(0, rng.int(0, auth.length - 1));
      return { what: 'Authorization truncated', request: { ...signed, headers: h } };
    case 4:
      h['x-amz-date'] = rng.pick(['yesterday', '20200101T000000Z', '2020-01-01T00:00:00Z', '', '99999999T999999Z']);
      return { what: 'bad X-Amz-Date', request: { ...signed, headers: h } };
    case 5:
      h['x-amz-security-token'] = b64(rng.bytes(rng.int(1, 300)));
      return { what: 'session token with a long-term key', request: { ...signed, headers: h } };
    case 6: {
      const unknown = { accessKeyId: `AKIA${rng.ascii(16).replace(/[^A-Z0-9]/g, 'Q').toUpperCase()}`, secretAccessKey: 'x' };
      return { what: 'unknown access key', request: await signRaw(f.endpoint, body, { credentials: unknown, date, headers }) };
    }
    case 7:
      return { what: 'wrong secret', request: await signRaw(f.endpoint, body, { credentials: { ...f.credentials, secretAccessKey: rng.ascii(40) }, date, headers }) };
    case 8:
      return { what: 'signed 20 minutes ago', request: await signRaw(f.endpoint, body, { credentials: f.credentials, date: new Date(date.getTime() - 20 * 60_000), headers }) };
    default: {
      const q = rng.pick([
        'X-Amz-Algorithm=AWS4-HMAC-SHA256',
        `X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${f.credentials.accessKeyId}%2F20200101%2Fus-east-1%2Fkms%2Faws4_request&X-Amz-Date=20200101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=${'0'.repeat(64)}`,
        'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-1',
        `X-Amz-Signature=${'a'.repeat(64)}`,
      ]);
      // With the (valid) Authorization header too, the query must carry X-Amz-Algorithm (both forms: refused);
      // a lone X-Amz-Signature parameter is left out of the canonical query by the reference signer as well.
      const withHeader = q.startsWith('X-Amz-Algorithm') && rng.chance(0.5);
      return { what: `garbled presigned query${withHeader ? ' + Authorization header' : ''}`, request: { ...signed, path: `/?${q}`, headers: withHeader ? h : { ...headers, host: h.host! } } };
    }
  }
}
