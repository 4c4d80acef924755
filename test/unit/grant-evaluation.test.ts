import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GrantConstraints, KmsGrant } from '../../src/store/grant-ports.js';
import { childGrantWithinParent, constraintsWithin, contextSatisfies, grantAllows } from '../../src/services/kms/grant-evaluation.js';

let n = 0;
function grant(operations: string[], constraints?: GrantConstraints): KmsGrant {
  n++;
  return {
    account: '111122223333',
    region: 'us-east-1',
    keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    grantId: String(n).padStart(64, '0'),
    granteePrincipal: 'arn:aws:iam::111122223333:user/exampleUser',
    operations,
    ...(constraints ? { constraints } : {}),
    issuingAccount: 'arn:aws:iam::111122223333:root',
    creationDate: new Date(0),
    grantTokenSha256: '0'.repeat(64),
  };
}

describe('grantAllows: operations', () => {
  it('allows exactly the listed operations', () => {
    const g = grant(['Decrypt', 'GenerateDataKey']);
    assert.equal(grantAllows([g], 'Decrypt', undefined), g);
    assert.equal(grantAllows([g], 'GenerateDataKey', undefined), g);
    assert.equal(grantAllows([g], 'Encrypt', undefined), undefined);
    // Separate grant operations: a GenerateDataKey grant does not cover the WithoutPlaintext variant.
    assert.equal(grantAllows([g], 'GenerateDataKeyWithoutPlaintext', undefined), undefined);
    // ReEncrypt is checked as ReEncryptFrom / ReEncryptTo; Decrypt covers neither.
    assert.equal(grantAllows([g], 'ReEncryptFrom', undefined), undefined);
    assert.equal(grantAllows([g], 'ReEncrypt', undefined), undefined);
  });

  it('never allows operations grants cannot give', () => {
    const g = grant(['Decrypt', 'Encrypt', 'CreateGrant', 'RetireGrant', 'DescribeKey']);
    for (const op of ['RevokeGrant', 'ListGrants', 'ScheduleKeyDeletion', 'PutKeyPolicy', 'DisableKey']) {
      assert.equal(grantAllows([g], op, undefined), undefined, op);
    }
  });

  it('returns the first grant that allows, or undefined for no grants', () => {
    const a = grant(['Encrypt']);
    const b = grant(['Decrypt']);
    const c = grant(['Decrypt']);
    assert.equal(grantAllows([a, b, c], 'Decrypt', undefined), b);
    assert.equal(grantAllows([], 'Decrypt', undefined), undefined);
  });
});

describe('grantAllows: encryption context constraints', () => {
  const equals = grant(['Decrypt', 'Encrypt', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey', 'RetireGrant', 'CreateGrant'], {
    EncryptionContextEquals: { Department: 'IT' },
  });
  const subset = grant(['Decrypt', 'GenerateDataKey', 'DescribeKey'], {
    EncryptionContextSubset: { Department: 'Finance', Classification: 'Public' },
  });

  it('EncryptionContextEquals: an exact, case-sensitive match, pairs in any order', () => {
    assert.equal(grantAllows([equals], 'Decrypt', { Department: 'IT' }), equals);
    assert.equal(grantAllows([equals], 'Decrypt', { Department: 'IT', Purpose: 'Test' }), undefined);
    assert.equal(grantAllows([equals], 'Decrypt', { department: 'IT' }), undefined);
    assert.equal(grantAllows([equals], 'Decrypt', { Department: 'it' }), undefined);
    assert.equal(grantAllows([equals], 'Decrypt', {}), undefined);
    assert.equal(grantAllows([equals], 'Decrypt', undefined), undefined);
    assert.equal(grantAllows([equals], 'GenerateDataKeyWithoutPlaintext', undefined), undefined);
    assert.equal(grantAllows([equals], 'GenerateDataKeyWithoutPlaintext', { Department: 'IT' }), equals);
  });

  it('EncryptionContextSubset: the listed pairs present, extra pairs allowed (the guide\'s examples)', () => {
    for (const ok of <Record<string, string>[]>[
      { Department: 'Finance', Classification: 'Public' },
      { Classification: 'Public', Department: 'Finance' },
      { Customer: '12345', Department: 'Finance', Classification: 'Public', Purpose: 'Test' },
    ]) {
      assert.equal(grantAllows([subset], 'Decrypt', ok), subset, JSON.stringify(ok));
    }
    for (const bad of <Record<string, string>[]>[
      { Department: 'Finance' },
      { department: 'finance', classification: 'public' },
      { Classification: 'Public', Customer: '12345' },
    ]) {
      assert.equal(grantAllows([subset], 'Decrypt', bad), undefined, JSON.stringify(bad));
    }
    assert.equal(grantAllows([subset], 'GenerateDataKey', undefined), undefined);
  });

  it('constraints do not apply to operations without an encryption context', () => {
    assert.equal(grantAllows([equals], 'DescribeKey', undefined), equals);
    assert.equal(grantAllows([equals], 'RetireGrant', undefined), equals);
    assert.equal(grantAllows([equals], 'CreateGrant', undefined), equals);
    assert.equal(grantAllows([subset], 'DescribeKey', { other: 'x' }), subset);
  });

  it('both constraints in one grant must both hold', () => {
    const both = grant(['Decrypt'], { EncryptionContextEquals: { a: '1', b: '2' }, EncryptionContextSubset: { a: '1' } });
    assert.equal(grantAllows([both], 'Decrypt', { a: '1', b: '2' }), both);
    assert.equal(grantAllows([both], 'Decrypt', { a: '1' }), undefined);
    const contradictory = grant(['Decrypt'], { EncryptionContextEquals: { a: '1' }, EncryptionContextSubset: { b: '2' } });
    assert.equal(grantAllows([contradictory], 'Decrypt', { a: '1' }), undefined);
    assert.equal(grantAllows([contradictory], 'Decrypt', { a: '1', b: '2' }), undefined);
  });

  it('an unconstrained grant allows any context; a constrained one is skipped for the next', () => {
    const open = grant(['Decrypt']);
    assert.equal(grantAllows([subset, open], 'Decrypt', { x: 'y' }), open);
    assert.equal(grantAllows([open], 'Decrypt', { x: 'y' }), open);
  });

  it('treats keys such as __proto__ and toString as plain pairs', () => {
    const weird: Record<string, string> = {};
    Object.defineProperty(weird, '__proto__', { value: 'p', enumerable: true, writable: true, configurable: true });
    const g = grant(['Decrypt'], { EncryptionContextSubset: weird });
    assert.equal(grantAllows([g], 'Decrypt', {}), undefined);
    const ctx: Record<string, string> = {};
    Object.defineProperty(ctx, '__proto__', { value: 'p', enumerable: true, writable: true, configurable: true });
    assert.equal(grantAllows([g], 'Decrypt', ctx), g);
    assert.equal(contextSatisfies({ EncryptionContextSubset: { toString: 'x' } }, {}), false);
    assert.equal(contextSatisfies({ EncryptionContextEquals: {} }, {}), true);
    assert.equal(contextSatisfies({ EncryptionContextEquals: {} }, { a: 'b' }), false);
  });
});

describe('child grants (CreateGrant permission from a grant)', () => {
  it('allow a subset of the parent operations only', () => {
    const parent = grant(['GenerateDataKey', 'Decrypt', 'CreateGrant']);
    assert.equal(childGrantWithinParent(parent, ['CreateGrant', 'Decrypt'], undefined), true);
    assert.equal(childGrantWithinParent(parent, ['Decrypt', 'ReEncryptFrom'], undefined), false);
  });

  it('need constraints at least as strict (the guide\'s rules)', () => {
    const dept = { Department: 'IT' };
    // Adding pairs to a Subset, or turning it into an Equals that includes its pairs: stricter.
    assert.equal(constraintsWithin({ EncryptionContextSubset: { ...dept, b: '1' } }, { EncryptionContextSubset: dept }), true);
    assert.equal(constraintsWithin({ EncryptionContextEquals: dept }, { EncryptionContextSubset: dept }), true);
    assert.equal(constraintsWithin({ EncryptionContextEquals: { ...dept, x: 'y' } }, { EncryptionContextSubset: dept }), true);
    // Removing pairs, dropping the constraint, or Equals → Subset: looser.
    assert.equal(constraintsWithin({ EncryptionContextSubset: {} }, { EncryptionContextSubset: dept }), false);
    assert.equal(constraintsWithin(undefined, { EncryptionContextSubset: dept }), false);
    assert.equal(constraintsWithin({ EncryptionContextSubset: dept }, { EncryptionContextEquals: dept }), false);
    assert.equal(constraintsWithin({ EncryptionContextEquals: { Department: 'HR' } }, { EncryptionContextSubset: dept }), false);
    // Equals parent: only the same Equals.
    assert.equal(constraintsWithin({ EncryptionContextEquals: dept }, { EncryptionContextEquals: dept }), true);
    assert.equal(constraintsWithin({ EncryptionContextEquals: { ...dept, x: 'y' } }, { EncryptionContextEquals: dept }), false);
    // No parent constraint: anything goes.
    assert.equal(constraintsWithin(undefined, undefined), true);
    assert.equal(constraintsWithin({ EncryptionContextSubset: dept }, {}), true);
    const parent = grant(['Decrypt', 'CreateGrant'], { EncryptionContextSubset: dept });
    assert.equal(childGrantWithinParent(parent, ['Decrypt'], { EncryptionContextEquals: dept }), true);
    assert.equal(childGrantWithinParent(parent, ['Decrypt'], undefined), false);
  });
});
