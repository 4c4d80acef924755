import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { operationOf } from '../../src/protocols/rest-xml.js';
import { S3_OPERATIONS } from '../../src/services/s3/operations.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Member { location?: string; locationName?: string }
interface Model {
  operations: Record<string, { http: { method: string; requestUri: string }; input?: { shape: string } }>;
  shapes: Record<string, { required?: string[]; members?: Record<string, Member> }>;
}

/**
 * The S3 operations Locksmith serves are the model's (s3-service-2.json), and a request built from
 * each one's HTTP binding (method, request URI, required query and header members) routes to it.
 */
test('every served S3 operation is in the model, and its model HTTP binding routes to it', () => {
  const model = JSON.parse(readFileSync(join(ROOT, '../shared/reference/s3-service-2.json'), 'utf8')) as Model;
  const names = Object.keys(S3_OPERATIONS);
  assert.ok(names.length >= 30);
  for (const name of names) {
    const op = model.operations[name];
    assert.ok(op, `${name} is not an S3 operation`);
    const [path, qs] = op.http.requestUri.split('?') as [string, string | undefined];
    const query = new Map<string, string>();
    for (const part of (qs ?? '').split('&').filter(Boolean)) {
      const [k, v] = part.split('=') as [string, string | undefined];
      if (k !== 'x-id') query.set(k, v ?? '');
    }
    const headers: Record<string, string> = {};
    const input = op.input ? model.shapes[op.input.shape] : undefined;
    for (const required of input?.required ?? []) {
      const m = input?.members?.[required];
      if (m?.location === 'querystring') query.set(m.locationName!, '1');
      if (m?.location === 'header') headers[m.locationName!.toLowerCase()] = 'x';
    }
    const bucket = path.includes('{Bucket}') ? 'bkt' : undefined;
    const key = path.includes('{Key+}') ? 'k' : undefined;
    assert.equal(operationOf(op.http.method, bucket, key, query, headers), name, `${op.http.method} ${op.http.requestUri}`);
  }
});
