import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as errors from '../../src/errors/aws-error.js';
import { ERROR_CODES, type AwsErrorCode } from '../../src/errors/codes.js';
import { queryError } from '../../src/errors/query-codes.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

test('src/errors/modelled-codes.ts is what scripts/gen-error-codes.mjs makes of the models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'error-codes-'));
  try {
    const out = join(dir, 'modelled-codes.ts');
    const kms = join(ROOT, 'scripts/reference/kms-service-2.json');
    const s3 = join(ROOT, '../shared/reference/s3-service-2.json');
    execFileSync(process.execPath, [join(ROOT, 'scripts/gen-error-codes.mjs'), kms, s3, out]);
    assert.equal(readFileSync(out, 'utf8'), readFileSync(join(ROOT, 'src/errors/modelled-codes.ts'), 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every error a KMS operation declares in the model is in the table, with `message`', () => {
  const model = JSON.parse(readFileSync(join(ROOT, 'src/model/kms-model.json'), 'utf8')) as { operations: Record<string, { errors: string[] }> };
  const declared = new Set(Object.values(model.operations).flatMap((op) => op.errors));
  assert.ok(declared.size > 30);
  for (const code of declared) {
    const row = ERROR_CODES[code as AwsErrorCode];
    assert.ok(row, code);
    assert.equal(row.messageMember, 'message', code);
  }
});

test('each factory makes its own code with the status it always had', () => {
  // Statuses other than 400, as protocols/errors.ts set them before the move.
  const before: Record<string, number> = {
    RequestEntityTooLargeException: 413, KMSInternalException: 500, NoSuchEntity: 404, EntityAlreadyExists: 409,
    DeleteConflict: 409, LimitExceeded: 409, AccessDenied: 403, InvalidClientTokenId: 403,
  };
  const factories = Object.entries(errors).filter(([name]) => name !== 'AwsError') as [string, (m?: string) => errors.AwsError][];
  assert.ok(factories.length >= 50, `found ${factories.length} factories`);
  for (const [name, make] of factories) {
    const e = make('text');
    assert.ok(e instanceof errors.AwsError);
    assert.equal(e.code, name);
    assert.equal(e.name, name);
    assert.equal(e.message, 'text');
    assert.equal(e.status, before[name] ?? 400, name);
    assert.equal(e.status, ERROR_CODES[e.code].status, name);
  }
  assert.equal(new errors.AwsError('RequestTimeoutException', 'x').status, 408);
});

test('IAM and STS name service-neutral errors in their own terms; faults are ServiceFailure / InternalFailure', () => {
  assert.deepEqual(queryError(errors.InvalidSignatureException('x'), 'sts'), { code: 'SignatureDoesNotMatch', status: 403 });
  assert.deepEqual(queryError(errors.NotFoundException('x'), 'iam'), { code: 'NoSuchEntity', status: 404 });
  assert.deepEqual(queryError(errors.KMSInternalException('x'), 'iam'), { code: 'ServiceFailure', status: 500 });
  assert.deepEqual(queryError(errors.KMSInternalException('x'), 'sts'), { code: 'InternalFailure', status: 500 });
  assert.deepEqual(queryError(errors.DeleteConflict('x'), 'iam'), { code: 'DeleteConflict', status: 409 });
});
